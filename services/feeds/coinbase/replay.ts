/**
 * Replay a Coinbase capture, whichever protocol it holds (told from its first frame).
 *
 * Legacy level2 (through CoinbaseSync): the ground truth available is structural (the book never
 * crosses). Tickers carry best_bid/best_ask, but level2 updates carry no sequence to line them
 * up with, so their agreement with the book at the moment the ticker arrives is reported for
 * information only, never as a failure.
 *
 * Advanced Trade level2 (through the live venue's decode and keep, as the ingest reads a
 * recording): every message is numbered per connection, so the replay also says whether the
 * recording lost any (`sequence_lost`; the products then count a gap each and stop until a
 * snapshot), besides the structural check.
 */
import { emptyReadStats, readCaptureFile } from '../capture/reader.js';
import { CaptureClock } from '../capture/stamp.js';
import { isRecord, parseJson } from '../levels.js';
import { coinbaseAdvancedLive } from './advanced-live.js';
import { decodeCoinbaseFrame, type CoinbaseTicker } from './decode.js';
import { COINBASE, CoinbaseSync } from './sync.js';
import { parseScaled } from '../../marketdata/decimal.js';
import type { ReplayOptions } from '../../replay/options.js';
import type { ReplaySummary } from '../../replay/summary.js';
import { VenueReplay } from '../../replay/venue-replay.js';

/** Advanced Trade messages have a `channel`; legacy ones a `type` (both send `{"type":"error"}`). */
function protocolOf(frame: string): 'advanced' | 'legacy' | undefined {
  const p = parseJson(frame);
  if (!p.ok || !isRecord(p.value)) return undefined;
  if (typeof p.value.channel === 'string') return 'advanced';
  return typeof p.value.type === 'string' && p.value.type !== 'error' ? 'legacy' : undefined;
}

export async function replayCoinbase([path]: string[], opts: ReplayOptions): Promise<ReplaySummary> {
  for await (const { rec } of readCaptureFile(path!)) {
    if (rec.kind !== 'recv') continue;
    const protocol = protocolOf(rec.frame);
    if (protocol === 'advanced') return replayAdvanced(path!, opts);
    if (protocol === 'legacy') break;
  }
  return replayLegacy(path!, opts);
}

async function replayLegacy(path: string, opts: ReplayOptions): Promise<ReplaySummary> {
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
  for await (const { line, rec } of readCaptureFile(path, stats)) {
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

async function replayAdvanced(path: string, opts: ReplayOptions): Promise<ReplaySummary> {
  const r = new VenueReplay('coinbase', opts);
  const venue = coinbaseAdvancedLive({ url: 'capture', products: [], exchange: COINBASE, onApplied: r.applied });
  const clock = new CaptureClock();
  const stats = emptyReadStats();
  for await (const { line, rec } of readCaptureFile(path, stats)) {
    if (rec.kind === 'open') venue.connectionOpened!();
    if (rec.kind !== 'recv') continue;
    const d = venue.decode(rec.frame);
    if (d.malformed) r.malformedFrame(d.problem ?? { kind: 'malformed', detail: 'unreadable frame' }, line);
    for (const i of d.inputs) r.take(venue.keep(i.data, clock.stamp(rec.wallUs), line));
  }
  return r.finish(venue.sync, stats.malformed, (s) => {
    s.protocol = 'advanced-trade';
    s.sequence_messages = venue.sequence.stats.messages;
    s.sequence_gaps = venue.sequence.stats.gaps;
    s.sequence_lost = venue.sequence.stats.lost;
    s.sequence_duplicates = venue.sequence.stats.old;
    s.connections = venue.sequence.stats.connections;
  });
}
