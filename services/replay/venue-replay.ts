/**
 * What every venue capture replay (Binance, Kraken, Coinbase) does around its own frame loop:
 * count and emit each applied book event, collect the problems the sync and decoder report,
 * and fill the summary's common fields at the end. The venue modules keep only what differs:
 * which frames they read and which ground truth they check.
 */
import type { SyncResult, SyncStats } from '../feeds/sync.js';
import type { L2Book } from '../marketdata/book/l2-book.js';
import type { DecodeProblem } from '../marketdata/events.js';
import { bookLine } from './emit.js';
import type { ReplayOptions } from './options.js';
import { addSyncStats, countProblems, newSummary, type ReplaySummary } from './summary.js';

export class VenueReplay {
  readonly summary: ReplaySummary;
  readonly problems: DecodeProblem[] = [];

  constructor(format: string, private readonly opts: ReplayOptions) {
    this.summary = newSummary(format);
  }

  /** A sync's `onApplied` listener: one event, one emitted line of the book as it now stands. */
  readonly applied = (ev: { exchSeq: number }, book: L2Book): void => {
    this.summary.events++;
    if (this.opts.emit.enabled) this.opts.emit.write(bookLine(book, ev.exchSeq, this.opts.depth));
  };

  /** Keep the problems a sync call reported. */
  readonly take = (r: SyncResult): void => {
    this.problems.push(...r.problems);
  };

  /** A frame the decoder could not read: counted as malformed and kept with its line. */
  malformedFrame(problem: DecodeProblem, line: number): void {
    this.summary.malformed++;
    this.problems.push({ ...problem, at: line });
  }

  /**
   * Common summary fields: the sync's counters, problems by kind, books built and malformed
   * lines of the capture files; `venue` adds the venue's own fields before the first problems.
   */
  finish(sync: { stats: SyncStats; books(): L2Book[] }, malformedLines: number, venue?: (s: ReplaySummary) => void): ReplaySummary {
    const s = this.summary;
    addSyncStats(s, sync.stats);
    countProblems(s, this.problems);
    s.books = sync.books().length;
    s.malformed += malformedLines;
    venue?.(s);
    if (this.problems.length) s.first_problems = this.problems.slice(0, 5);
    return s;
  }
}
