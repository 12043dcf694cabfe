/**
 * Kraken WS v1 as a live venue. Recovery per Kraken's book guide: when a checksum does not match,
 * unsubscribe the pair and subscribe it again; Kraken answers with a fresh snapshot.
 */
import type { LiveVenue, RecoveryIo } from '../live.js';
import type { AppliedListener } from '../sync.js';
import { decodeKrakenFrame, type KrakenBookSnapshot, type KrakenBookUpdate } from './decode.js';
import { KrakenBookSync } from './sync.js';
import { krakenSubscribe, krakenUnsubscribe } from './venue.js';

export function krakenLive(opts: { url: string; pairs: string[]; depth: number; exchange: string; onApplied?: AppliedListener }): LiveVenue & { sync: KrakenBookSync } {
  const sync = new KrakenBookSync({ exchange: opts.exchange, onApplied: opts.onApplied });
  return {
    name: 'kraken',
    url: opts.url,
    symbols: opts.pairs,
    sync,
    snapshotOnSubscribe: true,
    subscribeFrames: () => [krakenSubscribe(opts.pairs, opts.depth)],
    decode(text) {
      const f = decodeKrakenFrame(text);
      if (f.kind === 'snapshot' || f.kind === 'update') return { inputs: [{ symbol: f.pair, data: f }], malformed: false };
      return f.kind === 'problem' ? { inputs: [], malformed: true, problem: f.problem } : { inputs: [], malformed: false };
    },
    keep(data, stamp, line) {
      const f = data as KrakenBookSnapshot | KrakenBookUpdate;
      return f.kind === 'snapshot' ? sync.onSnapshot(f, stamp, line) : sync.onUpdate(f, stamp, line);
    },
    book: (s) => sync.book(s),
    needsSnapshot: (s) => sync.needsSnapshot(s),
    invalidate: (s) => sync.invalidate(s),
    syncStats: () => sync.stats,
    recover(pair: string, io: RecoveryIo): Promise<void> {
      io.send(krakenUnsubscribe([pair], opts.depth));
      io.send(krakenSubscribe([pair], opts.depth));
      return Promise.resolve();
    },
  };
}
