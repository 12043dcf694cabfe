/**
 * Replay a Coinbase level2 capture through CoinbaseSync. Ground truth available in the legacy
 * feed is structural (the book never crosses). Tickers carry best_bid/best_ask, but level2
 * updates carry no sequence to line them up with, so their agreement with the book at the
 * moment the ticker arrives is reported for information only, never as a failure.
 */
import { emptyReadStats, readCaptureFile } from '../capture/reader.js';
import { CaptureClock } from '../capture/stamp.js';
import { decodeCoinbaseFrame, type CoinbaseTicker } from './decode.js';
import { CoinbaseSync } from './sync.js';
import { parseScaled } from '../../marketdata/decimal.js';
import type { ReplayOptions } from '../../replay/options.js';
import type { ReplaySummary } from '../../replay/summary.js';
import { VenueReplay } from '../../replay/venue-replay.js';

export async function replayCoinbase([path]: string[], opts: ReplayOptions): Promise<ReplaySummary> {
  const r = new VenueReplay('coinbase', opts);
  const sync = new CoinbaseSync({ onApplied: r.applied });
  const clock = new CaptureClock();
  const stats = emptyReadStats();
  const tickers = { compared: 0, agreed: 0 };
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
    if (frame.kind === 'snapshot') r.take(sync.onSnapshot(frame, clock.stamp(rec.wallUs), line));
    else if (frame.kind === 'l2update') r.take(sync.onUpdate(frame, clock.stamp(rec.wallUs), line));
    else if (frame.kind === 'ticker') checkTicker(frame);
    else if (frame.kind === 'problem') r.malformedFrame(frame.problem, line);
  }
  return r.finish(sync, stats.malformed, (s) => {
    s.ticker_compared = tickers.compared;
    s.ticker_agreed = tickers.agreed;
    if (sync.crossings.length) s.crossings = sync.crossings.slice(0, 5);
  });
}
