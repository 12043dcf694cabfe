/**
 * A recorded WebSocket session as a feed source: the frames go through the venue's live
 * definition (decoder + sync), in recorded order, exactly as a live connection's would.
 */
import { readCaptureFile } from '../../feeds/capture/reader.js';
import { CaptureClock } from '../../feeds/capture/stamp.js';
import type { LiveVenue } from '../../feeds/live.js';
import { newSourceStats, type FeedSource, type FeedUpdate, type SourceStats } from '../feed-update.js';
import { updatesFromSync } from './venue-updates.js';

export type { FeedSource };

/**
 * A single-file capture of a WebSocket venue (Kraken, Coinbase): the recorded frames go through
 * the same protocol (decoder + venue sync) the live WebSocket source uses.
 */
export class FrameCaptureSource implements FeedSource {
  readonly stats: SourceStats;

  constructor(private readonly path: string, private readonly venue: LiveVenue, exchange: string) {
    this.stats = newSourceStats(`${venue.name}-capture ${path}`, exchange);
  }

  async *updates(): AsyncGenerator<FeedUpdate> {
    const { venue, stats } = this;
    const clock = new CaptureClock();
    for await (const { rec } of readCaptureFile(this.path)) {
      if (rec.kind !== 'recv') continue;
      stats.inputs++;
      const out = venue.onFrame(rec.frame, clock.stamp(rec.wallUs));
      if (out.malformed) stats.malformed++;
      if (out.result) yield* updatesFromSync(out.result, (s) => venue.book(s), rec.wallUs, stats);
    }
    const sync = venue.syncStats();
    stats.gaps = sync.gaps;
    stats.resyncs = sync.resyncs;
    if (sync.checksumChecks) stats.notes.push(`${stats.exchange} checksums: ${sync.checksumMatches}/${sync.checksumChecks} matched`);
  }
}
