/**
 * Binance spot diff depth as a live venue, per "How to manage a local order book correctly":
 * open the stream, buffer its diffs, fetch a REST depth snapshot, drop diffs it covers, check the
 * first one straddles it, then chain. A gap (or a snapshot older than the buffer) sends the symbol
 * back to buffering and another REST snapshot is fetched; the source retries with backoff.
 */
import type { LiveVenue, RecoveryIo } from '../live.js';
import { decodeBinanceFrame, decodeBinanceSnapshot, type BinanceDepthSnapshot, type BinanceDepthUpdate } from './decode.js';

/** A REST depth snapshot as a kept input (a recording carries them beside the stream). */
export interface BinanceRestInput {
  kind: 'rest';
  symbol: string;
  snapshot: BinanceDepthSnapshot;
}
import { BinanceSync } from './sync.js';
import { binanceDepthUrl, binanceStreamUrl } from './venue.js';

export function binanceLive(opts: { wsBase: string; restBase: string; symbols: string[]; depthLimit: number; exchange: string }): LiveVenue & { sync: BinanceSync } {
  const sync = new BinanceSync({ exchange: opts.exchange });
  // Binance spells symbols upper-case in frames and REST; the config may not.
  const symbols = opts.symbols.map((s) => s.toUpperCase());
  return {
    name: 'binance',
    url: binanceStreamUrl(symbols, opts.wsBase.replace(/\/stream\/?$/, '')),
    symbols,
    sync,
    snapshotOnSubscribe: false,
    subscribeFrames: () => [],
    decode(text) {
      const f = decodeBinanceFrame(text);
      if (f.kind === 'depth') return { inputs: [{ symbol: f.symbol, data: f }], malformed: false };
      return f.kind === 'problem' ? { inputs: [], malformed: true, problem: f.problem } : { inputs: [], malformed: false };
    },
    keep(data, stamp, line) {
      const input = data as BinanceDepthUpdate | BinanceRestInput;
      return input.kind === 'depth' ? sync.onDepthUpdate(input, stamp, line) : sync.onSnapshot(input.symbol, input.snapshot, stamp, line);
    },
    book: (s) => sync.book(s),
    needsSnapshot: (s) => sync.needsSnapshot(s),
    invalidate: (s) => sync.invalidate(s),
    syncStats: () => sync.stats,
    async recover(symbol: string, io: RecoveryIo): Promise<void> {
      const body = await io.fetchText(binanceDepthUrl(symbol, opts.depthLimit, opts.restBase));
      const snap = decodeBinanceSnapshot(body);
      if ('kind' in snap) throw new Error(`${symbol}: REST depth snapshot unusable: ${snap.detail}`);
      io.apply(sync.onSnapshot(symbol, snap, io.stamp()));
    },
  };
}
