/**
 * Replay a binary ITCH 5.0 file (Nasdaq's length-prefixed historical format, or MoldUDP64
 * packets back to back) with the ITCH feed handler in services/feeds/itch, one L3 book per
 * symbol aggregated to L2 for --emit. ITCH has no in-band ground truth; gaps in the MoldUDP64
 * sequence and unknown order ids are counted.
 */
import { replayItchFile } from './files.js';
import { bookLine } from '../../replay/emit.js';
import type { ReplayOptions } from '../../replay/options.js';
import { countProblems, newSummary, type ReplaySummary } from '../../replay/summary.js';

export async function replayItch([path]: string[], opts: ReplayOptions): Promise<ReplaySummary> {
  const result = replayItchFile(path!, {
    onEvent: (event, book) => {
      if (!opts.emit.enabled || !book || event.type === 'status') return;
      opts.emit.write(bookLine(book.l2, event.exchSeq, opts.depth));
    },
  });
  const s = result.summary;
  const summary = newSummary('itch');
  summary.framing = result.framing;
  summary.exchange = s.exchange;
  summary.events = s.events;
  summary.books = s.books;
  summary.gaps = s.gaps;
  summary.malformed = s.malformed;
  summary.messages = s.messages;
  summary.skipped_messages = s.skipped_messages;
  summary.unknown_types = s.unknown_types;
  summary.unknown_orders = s.unknown_orders;
  summary.missing_messages = s.missing_messages;
  summary.duplicates = s.duplicates;
  summary.end_of_session = s.end_of_session;
  // Informational: pre-open ITCH books can legitimately lock or cross, so this is no failure.
  summary.crossed_books = [...result.feed.books.values()].filter((b) => b.l2.isCrossed()).length;
  countProblems(summary, result.problems);
  if (result.problems.length) summary.first_problems = result.problems.slice(0, 5);
  return summary;
}
