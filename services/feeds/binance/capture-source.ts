/**
 * A Binance capture pair as a feed source: the recorded diff-depth frames and REST depth
 * snapshots merged by receive time, through the same BinanceSync a live connection uses.
 */
import { newSourceStats, type FeedSource, type FeedUpdate, type SourceStats } from '../../ingest/feed-update.js';
import { updatesFromSync } from '../../ingest/sources/venue-updates.js';
import { readCaptureFile, readCaptureRecords, type CaptureLine } from '../capture/reader.js';
import { CaptureClock } from '../capture/stamp.js';
import { decodeBinanceFrame, decodeBinanceSnapshot, symbolFromDepthUrl } from './decode.js';
import { BinanceSync } from './sync.js';

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
