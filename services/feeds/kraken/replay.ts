/**
 * Replay a Kraken WS v1 book capture through the live venue's decode and KrakenBookSync. Ground truth: Kraken's own CRC32
 * checksum on every update.
 */
import { emptyReadStats, readCaptureFile } from '../capture/reader.js';
import { CaptureClock } from '../capture/stamp.js';
import { krakenLive } from './live.js';
import { KRAKEN } from './sync.js';
import type { ReplayOptions } from '../../replay/options.js';
import type { ReplaySummary } from '../../replay/summary.js';
import { VenueReplay } from '../../replay/venue-replay.js';

export async function replayKraken([path]: string[], opts: ReplayOptions): Promise<ReplaySummary> {
  const r = new VenueReplay('kraken', opts);
  // The live venue's own decode and keep: a replay checks exactly what the ingest runs.
  const venue = krakenLive({ url: 'capture', pairs: [], depth: 1000, exchange: KRAKEN, onApplied: r.applied });
  const { sync } = venue;
  const clock = new CaptureClock();
  const stats = emptyReadStats();
  for await (const { line, rec } of readCaptureFile(path!, stats)) {
    if (rec.kind !== 'recv') continue;
    const d = venue.decode(rec.frame);
    if (d.problem) r.malformedFrame(d.problem, line);
    for (const i of d.inputs) r.take(venue.keep(i.data, clock.stamp(rec.wallUs), line));
  }
  return r.finish(sync, stats.malformed, (s) => {
    if (sync.mismatches.length) s.checksum_mismatches = sync.mismatches.slice(0, 5);
  });
}
