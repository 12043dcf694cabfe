/**
 * Replay a Kraken WS v1 book capture through KrakenBookSync. Ground truth: Kraken's own CRC32
 * checksum on every update.
 */
import { emptyReadStats, readCaptureFile } from '../capture/reader.js';
import { CaptureClock } from '../capture/stamp.js';
import { decodeKrakenFrame } from './decode.js';
import { KrakenBookSync } from './sync.js';
import type { ReplayOptions } from '../../replay/options.js';
import type { ReplaySummary } from '../../replay/summary.js';
import { VenueReplay } from '../../replay/venue-replay.js';

export async function replayKraken([path]: string[], opts: ReplayOptions): Promise<ReplaySummary> {
  const r = new VenueReplay('kraken', opts);
  const sync = new KrakenBookSync({ onApplied: r.applied });
  const clock = new CaptureClock();
  const stats = emptyReadStats();
  for await (const { line, rec } of readCaptureFile(path!, stats)) {
    if (rec.kind !== 'recv') continue;
    const frame = decodeKrakenFrame(rec.frame);
    if (frame.kind === 'snapshot') r.take(sync.onSnapshot(frame, clock.stamp(rec.wallUs), line));
    else if (frame.kind === 'update') r.take(sync.onUpdate(frame, clock.stamp(rec.wallUs), line));
    else if (frame.kind === 'problem') r.malformedFrame(frame.problem, line);
  }
  return r.finish(sync, stats.malformed, (s) => {
    if (sync.mismatches.length) s.checksum_mismatches = sync.mismatches.slice(0, 5);
  });
}
