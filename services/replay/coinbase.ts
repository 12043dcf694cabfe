/**
 * Replay a Coinbase level2 capture through CoinbaseSync. Ground truth available in the legacy
 * feed is structural (the book never crosses). Tickers carry best_bid/best_ask, but level2
 * updates carry no sequence to line them up with, so their agreement with the book at the
 * moment the ticker arrives is reported for information only, never as a failure.
 */
import { emptyReadStats, readCaptureFile } from '../feeds/capture/reader.js';
import { CaptureClock } from '../feeds/capture/stamp.js';
import { decodeCoinbaseFrame, type CoinbaseTicker } from '../feeds/coinbase/decode.js';
import { CoinbaseSync } from '../feeds/coinbase/sync.js';
import type { SyncResult } from '../feeds/sync.js';
import { parseScaled } from '../marketdata/decimal.js';
import type { DecodeProblem } from '../marketdata/events.js';
import { bookLine } from './emit.js';
import type { ReplayOptions } from './options.js';
import { addSyncStats, countProblems, newSummary, type ReplaySummary } from './summary.js';

export async function replayCoinbase([path]: string[], opts: ReplayOptions): Promise<ReplaySummary> {
  const summary = newSummary('coinbase');
  const sync = new CoinbaseSync({
    onApplied: (ev, book) => {
      summary.events++;
      if (opts.emit.enabled) opts.emit.write(bookLine(book, ev.exchSeq, opts.depth));
    },
  });
  const clock = new CaptureClock();
  const stats = emptyReadStats();
  const problems: DecodeProblem[] = [];
  const tickers = { compared: 0, agreed: 0 };
  const take = (r: SyncResult): void => {
    problems.push(...r.problems);
  };
  const checkTicker = (t: CoinbaseTicker): void => {
    const book = sync.book(t.product);
    if (!book || t.bestBid === undefined || t.bestAsk === undefined) return;
    tickers.compared++;
    const bid = book.bestBid()?.[0];
    const ask = book.bestAsk()?.[0];
    if (bid === parseScaled(t.bestBid, book.format.priceDecimals) && ask === parseScaled(t.bestAsk, book.format.priceDecimals)) tickers.agreed++;
  };
  for await (const { line, rec } of readCaptureFile(path!, stats)) {
    if (rec.kind !== 'recv') continue;
    const frame = decodeCoinbaseFrame(rec.frame);
    if (frame.kind === 'snapshot') take(sync.onSnapshot(frame, clock.stamp(rec.wallUs), line));
    else if (frame.kind === 'l2update') take(sync.onUpdate(frame, clock.stamp(rec.wallUs), line));
    else if (frame.kind === 'ticker') checkTicker(frame);
    else if (frame.kind === 'problem') {
      summary.malformed++;
      problems.push({ ...frame.problem, at: line });
    }
  }
  addSyncStats(summary, sync.stats);
  countProblems(summary, problems);
  summary.books = sync.books().length;
  summary.malformed += stats.malformed;
  summary.ticker_compared = tickers.compared;
  summary.ticker_agreed = tickers.agreed;
  if (sync.crossings.length) summary.crossings = sync.crossings.slice(0, 5);
  if (problems.length) summary.first_problems = problems.slice(0, 5);
  return summary;
}
