/**
 * Replay a LOBSTER message file against its orderbook file (part of the book replay CLI) with
 * the LOBSTER model in services/feeds/lobster: the book holds only levels a level-N file can
 * reveal, and every row is compared with the orderbook file.
 */
import { replayLobsterFiles } from './files.js';
import { bookLine } from '../../replay/emit.js';
import type { ReplayOptions } from '../../replay/options.js';
import { countProblems, newSummary, type ReplaySummary } from '../../replay/summary.js';

export async function replayLobster([messagePath, orderbookPath]: string[], opts: ReplayOptions): Promise<ReplaySummary> {
  const result = replayLobsterFiles(messagePath!, orderbookPath!, {
    keepRows: false,
    onRow: (r, model, event) => {
      if (!opts.emit.enabled || !event || event.type === 'status') return;
      opts.emit.write(bookLine(model.book, r.row, opts.depth, r.row));
    },
  });
  const s = result.summary;
  const summary = newSummary('lobster');
  summary.exchange = s.exchange;
  summary.symbol = s.symbol;
  summary.events = s.events;
  summary.books = s.books;
  summary.rows_compared = s.rows_compared;
  summary.rows_matched = s.rows_matched;
  summary.malformed = s.malformed_lines;
  summary.known_depth_avg = s.known_depth_avg;
  summary.known_depth_avg_second_half = s.known_depth_avg_second_half;
  summary.seed_row = s.seed_row;
  summary.first_mismatch = s.first_mismatch;
  summary.level_fallbacks = s.level_fallbacks;
  summary.hidden_executions = s.hidden_executions;
  countProblems(summary, result.problems);
  if (result.problems.length) summary.first_problems = result.problems.slice(0, 5);
  return summary;
}
