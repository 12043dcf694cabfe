/**
 * The JSON object `dsm book replay` prints at the end. Field names are part of the CLI contract
 * (snake_case, stable); extra fields may be added, none renamed.
 */
import type { DecodeProblem } from '../marketdata/events.js';
import type { SyncStats } from '../feeds/sync.js';

export interface ReplaySummary {
  format: string;
  /** Input events that carried book data and were applied (one emitted line each). */
  events: number;
  /** Books (symbols) built. */
  books: number;
  gaps: number;
  resyncs: number;
  checksum_checks: number;
  checksum_matches: number;
  /** Ground-truth comparisons: LOBSTER orderbook rows, Binance bookTickers. */
  rows_compared: number;
  rows_matched: number;
  /** Input lines or frames skipped as unreadable. */
  malformed: number;
  /** Average number of known levels per side (LOBSTER only). */
  known_depth_avg?: number;
  /** Updates after which a book was crossed (best bid >= best ask). */
  crossed: number;
  /** Updates dropped: already covered by a snapshot, or no book to apply them to. */
  dropped: number;
  /** Every problem the adapters reported, by kind. */
  problems: Partial<Record<DecodeProblem['kind'], number>>;
  /** Extra venue-specific figures. */
  [extra: string]: unknown;
}

export function newSummary(format: string): ReplaySummary {
  return {
    format,
    events: 0,
    books: 0,
    gaps: 0,
    resyncs: 0,
    checksum_checks: 0,
    checksum_matches: 0,
    rows_compared: 0,
    rows_matched: 0,
    malformed: 0,
    crossed: 0,
    dropped: 0,
    problems: {},
  };
}

export function countProblems(summary: ReplaySummary, problems: DecodeProblem[]): void {
  for (const p of problems) summary.problems[p.kind] = (summary.problems[p.kind] ?? 0) + 1;
}

/** Copy a sync's counters into the summary. */
export function addSyncStats(summary: ReplaySummary, s: SyncStats): void {
  summary.gaps += s.gaps;
  summary.resyncs += s.resyncs;
  summary.checksum_checks += s.checksumChecks;
  summary.checksum_matches += s.checksumMatches;
  summary.crossed += s.crossed;
  summary.dropped += s.dropped;
}

/** Why the replay should exit 1: a checksum or ground-truth comparison that failed. */
export function failures(s: ReplaySummary): string[] {
  const out: string[] = [];
  if (s.checksum_matches !== s.checksum_checks) out.push(`${s.checksum_checks - s.checksum_matches} of ${s.checksum_checks} checksums did not match`);
  if (s.rows_matched !== s.rows_compared) out.push(`${s.rows_compared - s.rows_matched} of ${s.rows_compared} ground-truth comparisons did not match`);
  if (s.crossed > 0) out.push(`a book was crossed after ${s.crossed} updates`);
  // Nothing applied but frames unreadable: the wrong --format for this file (or a corrupt one).
  if (s.events === 0 && s.malformed > 0) out.push(`no book event read and ${s.malformed} malformed frames: is this a ${s.format} file? (--format picks the venue)`);
  return out;
}
