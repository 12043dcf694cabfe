/**
 * Capture replays as feed sources: the recorded frames go through the same decoders and venue
 * syncs a live WebSocket uses, in recorded order (Binance REST snapshots merged by receive time).
 */
import { decodeBinanceFrame, decodeBinanceSnapshot, symbolFromDepthUrl } from '../../feeds/binance/decode.js';
import { BinanceSync } from '../../feeds/binance/sync.js';
import { decodeCoinbaseFrame } from '../../feeds/coinbase/decode.js';
import { CoinbaseSync } from '../../feeds/coinbase/sync.js';
import { decodeKrakenFrame } from '../../feeds/kraken/decode.js';
import { KrakenBookSync } from '../../feeds/kraken/sync.js';
import { readCaptureFile, readCaptureRecords, type CaptureLine } from '../../feeds/capture/reader.js';
import { CaptureClock } from '../../feeds/capture/stamp.js';
import { newSourceStats, type FeedUpdate, type SourceStats } from '../feed-update.js';
import { updatesFromSync } from './venue-updates.js';

export interface FeedSource {
  readonly stats: SourceStats;
  updates(): AsyncIterable<FeedUpdate>;
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

export class KrakenCaptureSource implements FeedSource {
  readonly stats: SourceStats;
  readonly sync: KrakenBookSync;

  constructor(private readonly path: string, exchange = 'KRAKEN') {
    this.stats = newSourceStats(`kraken-capture ${path}`, exchange);
    this.sync = new KrakenBookSync({ exchange });
  }

  async *updates(): AsyncGenerator<FeedUpdate> {
    const { sync, stats } = this;
    const clock = new CaptureClock();
    for await (const { line, rec } of readCaptureFile(this.path)) {
      if (rec.kind !== 'recv') continue;
      stats.inputs++;
      const frame = decodeKrakenFrame(rec.frame);
      if (frame.kind === 'snapshot') yield* updatesFromSync(sync.onSnapshot(frame, clock.stamp(rec.wallUs), line), (s) => sync.book(s), rec.wallUs, stats);
      else if (frame.kind === 'update') yield* updatesFromSync(sync.onUpdate(frame, clock.stamp(rec.wallUs), line), (s) => sync.book(s), rec.wallUs, stats);
      else if (frame.kind === 'problem') stats.malformed++;
    }
    stats.gaps = sync.stats.gaps;
    stats.resyncs = sync.stats.resyncs;
    if (sync.stats.checksumChecks) stats.notes.push(`Kraken checksums: ${sync.stats.checksumMatches}/${sync.stats.checksumChecks} matched`);
  }
}

export class CoinbaseCaptureSource implements FeedSource {
  readonly stats: SourceStats;
  readonly sync: CoinbaseSync;

  constructor(private readonly path: string, exchange = 'COINBASE') {
    this.stats = newSourceStats(`coinbase-capture ${path}`, exchange);
    this.sync = new CoinbaseSync({ exchange });
  }

  async *updates(): AsyncGenerator<FeedUpdate> {
    const { sync, stats } = this;
    const clock = new CaptureClock();
    for await (const { line, rec } of readCaptureFile(this.path)) {
      if (rec.kind !== 'recv') continue;
      stats.inputs++;
      const frame = decodeCoinbaseFrame(rec.frame);
      if (frame.kind === 'snapshot') yield* updatesFromSync(sync.onSnapshot(frame, clock.stamp(rec.wallUs), line), (s) => sync.book(s), rec.wallUs, stats);
      else if (frame.kind === 'l2update') yield* updatesFromSync(sync.onUpdate(frame, clock.stamp(rec.wallUs), line), (s) => sync.book(s), rec.wallUs, stats);
      else if (frame.kind === 'problem') stats.malformed++;
    }
    stats.gaps = sync.stats.gaps;
    stats.resyncs = sync.stats.resyncs;
  }
}
