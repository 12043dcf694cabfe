/**
 * Replay a Binance capture pair (WebSocket frames + REST depth snapshots) through BinanceSync.
 * The two files are merged by receive time, as a live client would have seen them: a snapshot
 * is used when its symbol needs one (start, or after a gap), buffered updates are then applied.
 * Ground truth: every bookTicker whose update id equals an applied depth update's final id.
 */
import { decodeBinanceFrame, decodeBinanceSnapshot, symbolFromDepthUrl } from '../feeds/binance/decode.js';
import { BinanceSync } from '../feeds/binance/sync.js';
import { BookTickerCheck } from '../feeds/binance/ticker-check.js';
import { emptyReadStats, readCaptureFile, readCaptureRecords, type CaptureLine } from '../feeds/capture/reader.js';
import { CaptureClock } from '../feeds/capture/stamp.js';
import type { DecodeProblem } from '../marketdata/events.js';
import type { SyncResult } from '../feeds/sync.js';
import { bookLine } from './emit.js';
import { addSyncStats, countProblems, newSummary, type ReplaySummary } from './summary.js';
import type { ReplayOptions } from './options.js';

export async function replayBinance([wsPath, restPath]: string[], opts: ReplayOptions): Promise<ReplaySummary> {
  const summary = newSummary('binance');
  const truth = new BookTickerCheck();
  const sync = new BinanceSync({
    onApplied: (ev, book) => {
      summary.events++;
      if (ev.type === 'l2-update') truth.onApplied(book, ev.exchSeq);
      if (opts.emit.enabled) opts.emit.write(bookLine(book, ev.exchSeq, opts.depth));
    },
  });
  const clock = new CaptureClock();
  const wsStats = emptyReadStats();
  const restStats = emptyReadStats();
  const problems: DecodeProblem[] = [];

  const snapshots = (await readCaptureRecords(restPath!, restStats)).filter((l) => l.rec.kind === 'rest').sort((a, b) => a.rec.wallUs - b.rec.wallUs);
  let nextSnapshot = 0;

  const take = (r: SyncResult): void => {
    problems.push(...r.problems);
  };
  const feedSnapshot = ({ line, rec }: CaptureLine): void => {
    if (rec.kind !== 'rest') return;
    const symbol = symbolFromDepthUrl(rec.url);
    const snap = decodeBinanceSnapshot(rec.body);
    if (!symbol || 'kind' in snap) {
      summary.malformed++;
      problems.push({ ...(symbol ? (snap as DecodeProblem) : { kind: 'malformed', detail: `no symbol in ${rec.url}` }), at: line });
      return;
    }
    take(sync.onSnapshot(symbol, snap, clock.stamp(rec.wallUs), line));
  };

  for await (const l of readCaptureFile(wsPath!, wsStats)) {
    if (l.rec.kind !== 'recv') continue;
    while (nextSnapshot < snapshots.length && snapshots[nextSnapshot]!.rec.wallUs <= l.rec.wallUs) feedSnapshot(snapshots[nextSnapshot++]!);
    const frame = decodeBinanceFrame(l.rec.frame);
    if (frame.kind === 'depth') take(sync.onDepthUpdate(frame, clock.stamp(l.rec.wallUs), l.line));
    else if (frame.kind === 'bookTicker') truth.onTicker(frame);
    else if (frame.kind === 'problem') {
      summary.malformed++;
      problems.push({ ...frame.problem, at: l.line });
    }
  }
  while (nextSnapshot < snapshots.length) feedSnapshot(snapshots[nextSnapshot++]!);

  addSyncStats(summary, sync.stats);
  countProblems(summary, problems);
  summary.books = sync.books().length;
  summary.malformed += wsStats.malformed + restStats.malformed;
  summary.rows_compared = truth.compared;
  summary.rows_matched = truth.matched;
  summary.pending_updates = sync.pendingUpdates();
  summary.unsynced = sync.unsyncedSymbols();
  if (truth.mismatches.length) summary.ticker_mismatches = truth.mismatches.slice(0, 5);
  if (problems.length) summary.first_problems = problems.slice(0, 5);
  return summary;
}
