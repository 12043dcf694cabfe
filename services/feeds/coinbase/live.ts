/**
 * Coinbase Exchange level2 as a live venue. The level2 channel carries no sequence, so a lost
 * message shows as a crossed book (the sync runs with `resyncOnCrossed`); recovery is what
 * Coinbase documents for a book out of step: unsubscribe the product and subscribe it again,
 * which brings a fresh snapshot. The heartbeat channel keeps the watchdog fed on quiet products.
 */
import type { LiveVenue, RecoveryIo } from '../live.js';
import { decodeCoinbaseFrame, type CoinbaseL2Update, type CoinbaseSnapshot } from './decode.js';
import { CoinbaseSync } from './sync.js';
import { coinbaseSubscribe, coinbaseUnsubscribe } from './venue.js';

const BOOK_CHANNELS = ['level2_batch'];

/** `resyncOnCrossed` defaults to true (live); a capture replay passes false: it has no second snapshot to wait for. */
export function coinbaseLive(opts: { url: string; products: string[]; exchange: string; resyncOnCrossed?: boolean }): LiveVenue & { sync: CoinbaseSync } {
  const sync = new CoinbaseSync({ exchange: opts.exchange, resyncOnCrossed: opts.resyncOnCrossed ?? true });
  return {
    name: 'coinbase',
    url: opts.url,
    symbols: opts.products,
    sync,
    snapshotOnSubscribe: true,
    subscribeFrames: () => [coinbaseSubscribe(opts.products, [...BOOK_CHANNELS, 'heartbeat'])],
    decode(text) {
      const f = decodeCoinbaseFrame(text);
      if (f.kind === 'snapshot' || f.kind === 'l2update') return { inputs: [{ symbol: f.product, data: f }], malformed: false };
      return f.kind === 'problem' ? { inputs: [], malformed: true, problem: f.problem } : { inputs: [], malformed: false };
    },
    keep(data, stamp, line) {
      const f = data as CoinbaseSnapshot | CoinbaseL2Update;
      return f.kind === 'snapshot' ? sync.onSnapshot(f, stamp, line) : sync.onUpdate(f, stamp, line);
    },
    book: (s) => sync.book(s),
    needsSnapshot: (s) => sync.needsSnapshot(s),
    invalidate: (s) => sync.invalidate(s),
    syncStats: () => sync.stats,
    recover(product: string, io: RecoveryIo): Promise<void> {
      io.send(coinbaseUnsubscribe([product], BOOK_CHANNELS));
      io.send(coinbaseSubscribe([product], BOOK_CHANNELS));
      return Promise.resolve();
    },
  };
}
