/**
 * Capture replays as feed sources: the recorded frames go through the same decoders and venue
 * syncs a live WebSocket uses, in recorded order (Binance REST snapshots merged by receive time).
 */
import { decodeBinanceFrame, decodeBinanceSnapshot, symbolFromDepthUrl } from '../../feeds/binance/decode.js';
import { BinanceSync } from '../../feeds/binance/sync.js';
import { readCaptureFile, readCaptureRecords, type CaptureLine } from '../../feeds/capture/reader.js';
import { CaptureClock } from '../../feeds/capture/stamp.js';
import { newSourceStats, type FeedUpdate, type SourceStats } from '../feed-update.js';
import { updatesFromSync } from './venue-updates.js';
import { coinbaseProtocol, krakenProtocol, type VenueProtocol } from './websocket.js';

export interface FeedSource {
  readonly stats: SourceStats;
  updates(): AsyncIterable<FeedUpdate>;
  /**
   * Get fresh venue snapshots of these symbols into `updates()` (an ingest worker died and its
   * books with it). Returns false when the source cannot; the ingest then fails (exit 1) rather
   * than publish books it cannot rebuild.
   */
  requestSnapshots?(symbols: string[]): boolean;
}

export class BinanceCaptureSource implements FeedSource {
  readonly stats: SourceStats;
  readonly sync: BinanceSync;

  constructor(private readonly wsPath: string, private readonly restPath: string, exchange = 'BINANCE') {
    this.stats = newSourceStats(`binance-capture ${wsPath}`, exchange);
    this.sync = new BinanceSync({ exchange });
  }

  async *updates(): AsyncGenerator<FeedUpdate> {
    const { sync, stats } = this;
    const clock = new CaptureClock();
    const snapshots = (await readCaptureRecords(this.restPath)).filter((l) => l.rec.kind === 'rest').sort((a, b) => a.rec.wallUs - b.rec.wallUs);
    let next = 0;
    const snapshot = ({ line, rec }: CaptureLine): FeedUpdate[] => {
      if (rec.kind !== 'rest') return [];
      const symbol = symbolFromDepthUrl(rec.url);
      const snap = decodeBinanceSnapshot(rec.body);
      if (!symbol || 'kind' in snap) { stats.malformed++; return []; }
      return updatesFromSync(sync.onSnapshot(symbol, snap, clock.stamp(rec.wallUs), line), (s) => sync.book(s), rec.wallUs, stats);
    };
    for await (const l of readCaptureFile(this.wsPath)) {
      if (l.rec.kind !== 'recv') continue;
      stats.inputs++;
      while (next < snapshots.length && snapshots[next]!.rec.wallUs <= l.rec.wallUs) yield* snapshot(snapshots[next++]!);
      const frame = decodeBinanceFrame(l.rec.frame);
      if (frame.kind === 'depth') yield* updatesFromSync(sync.onDepthUpdate(frame, clock.stamp(l.rec.wallUs), l.line), (s) => sync.book(s), l.rec.wallUs, stats);
      else if (frame.kind === 'problem') stats.malformed++;
    }
    while (next < snapshots.length) yield* snapshot(snapshots[next++]!);
    stats.gaps = sync.stats.gaps;
    stats.resyncs = sync.stats.resyncs;
  }
}

/**
 * A single-file capture of a WebSocket venue (Kraken, Coinbase): the recorded frames go through
 * the same protocol (decoder + venue sync) the live WebSocket source uses.
 */
export class FrameCaptureSource implements FeedSource {
  readonly stats: SourceStats;

  constructor(private readonly path: string, private readonly venue: VenueProtocol, exchange: string) {
    this.stats = newSourceStats(`${venue.name}-capture ${path}`, exchange);
  }

  async *updates(): AsyncGenerator<FeedUpdate> {
    const { venue, stats } = this;
    for await (const { rec } of readCaptureFile(this.path)) {
      if (rec.kind !== 'recv') continue;
      stats.inputs++;
      const result = venue.onFrame(rec.frame, stats);
      if (result) yield* updatesFromSync(result, (s) => venue.book(s), rec.wallUs, stats);
    }
    const sync = venue.syncStats();
    stats.gaps = sync.gaps;
    stats.resyncs = sync.resyncs;
    if (sync.checksumChecks) stats.notes.push(`${stats.exchange} checksums: ${sync.checksumMatches}/${sync.checksumChecks} matched`);
  }
}

export function krakenCaptureSource(path: string, pairs: string[], exchange = 'KRAKEN'): FrameCaptureSource {
  return new FrameCaptureSource(path, krakenProtocol('capture', pairs, 1000, exchange), exchange);
}

export function coinbaseCaptureSource(path: string, products: string[], exchange = 'COINBASE'): FrameCaptureSource {
  return new FrameCaptureSource(path, coinbaseProtocol('capture', products, exchange), exchange);
}
