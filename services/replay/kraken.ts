/**
 * Replay a Kraken WS v1 book capture through KrakenBookSync. Ground truth: Kraken's own CRC32
 * checksum on every update.
 */
import { emptyReadStats, readCaptureFile } from '../feeds/capture/reader.js';
import { CaptureClock } from '../feeds/capture/stamp.js';
import { decodeKrakenFrame } from '../feeds/kraken/decode.js';
import { KrakenBookSync } from '../feeds/kraken/sync.js';
import type { SyncResult } from '../feeds/sync.js';
import type { DecodeProblem } from '../marketdata/events.js';
import { bookLine } from './emit.js';
import type { ReplayOptions } from './options.js';
import { addSyncStats, countProblems, newSummary, type ReplaySummary } from './summary.js';

export async function replayKraken([path]: string[], opts: ReplayOptions): Promise<ReplaySummary> {
  const summary = newSummary('kraken');
  const sync = new KrakenBookSync({
    onApplied: (ev, book) => {
      summary.events++;
      if (opts.emit.enabled) opts.emit.write(bookLine(book, ev.exchSeq, opts.depth));
    },
  });
  const clock = new CaptureClock();
  const stats = emptyReadStats();
  const problems: DecodeProblem[] = [];
  const take = (r: SyncResult): void => {
    problems.push(...r.problems);
  };
  for await (const { line, rec } of readCaptureFile(path!, stats)) {
    if (rec.kind !== 'recv') continue;
    const frame = decodeKrakenFrame(rec.frame);
    if (frame.kind === 'snapshot') take(sync.onSnapshot(frame, clock.stamp(rec.wallUs), line));
    else if (frame.kind === 'update') take(sync.onUpdate(frame, clock.stamp(rec.wallUs), line));
    else if (frame.kind === 'problem') {
      summary.malformed++;
      problems.push({ ...frame.problem, at: line });
    }
  }
  addSyncStats(summary, sync.stats);
  countProblems(summary, problems);
  summary.books = sync.books().length;
  summary.malformed += stats.malformed;
  if (sync.mismatches.length) summary.checksum_mismatches = sync.mismatches.slice(0, 5);
  if (problems.length) summary.first_problems = problems.slice(0, 5);
  return summary;
}
