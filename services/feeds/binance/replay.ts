/**
 * Replay a Binance capture pair (WebSocket frames + REST depth snapshots) through BinanceSync.
 * The two files are merged by receive time, as a live client would have seen them: a snapshot
 * is used when its symbol needs one (start, or after a gap), buffered updates are then applied.
 * Ground truth: every bookTicker whose update id equals an applied depth update's final id.
 */
import { decodeBinanceFrame, decodeBinanceSnapshot, symbolFromDepthUrl } from './decode.js';
import { BinanceSync } from './sync.js';
import { BookTickerCheck } from './ticker-check.js';
import { emptyReadStats, readCaptureFile, readCaptureRecords, type CaptureLine } from '../capture/reader.js';
import { CaptureClock } from '../capture/stamp.js';
import type { DecodeProblem } from '../../marketdata/events.js';
import type { ReplaySummary } from '../../replay/summary.js';
import { VenueReplay } from '../../replay/venue-replay.js';
import type { ReplayOptions } from '../../replay/options.js';

export async function replayBinance([wsPath, restPath]: string[], opts: ReplayOptions): Promise<ReplaySummary> {
  const r = new VenueReplay('binance', opts);
  const truth = new BookTickerCheck();
  const sync = new BinanceSync({
    onApplied: (ev, book) => {
      if (ev.type === 'l2-update') truth.onApplied(book, ev.exchSeq);
      r.applied(ev, book);
    },
  });
  const clock = new CaptureClock();
  const wsStats = emptyReadStats();
  const restStats = emptyReadStats();

  const snapshots = (await readCaptureRecords(restPath!, restStats)).filter((l) => l.rec.kind === 'rest').sort((a, b) => a.rec.wallUs - b.rec.wallUs);
  let nextSnapshot = 0;

  const feedSnapshot = ({ line, rec }: CaptureLine): void => {
    if (rec.kind !== 'rest') return;
    const symbol = symbolFromDepthUrl(rec.url);
    const snap = decodeBinanceSnapshot(rec.body);
    if (!symbol || 'kind' in snap) {
      r.malformedFrame(symbol ? (snap as DecodeProblem) : { kind: 'malformed', detail: `no symbol in ${rec.url}` }, line);
      return;
    }
    r.take(sync.onSnapshot(symbol, snap, clock.stamp(rec.wallUs), line));
  };

  for await (const l of readCaptureFile(wsPath!, wsStats)) {
    if (l.rec.kind !== 'recv') continue;
    while (nextSnapshot < snapshots.length && snapshots[nextSnapshot]!.rec.wallUs <= l.rec.wallUs) feedSnapshot(snapshots[nextSnapshot++]!);
    const frame = decodeBinanceFrame(l.rec.frame);
    if (frame.kind === 'depth') r.take(sync.onDepthUpdate(frame, clock.stamp(l.rec.wallUs), l.line));
    else if (frame.kind === 'bookTicker') truth.onTicker(frame);
    else if (frame.kind === 'problem') r.malformedFrame(frame.problem, l.line);
  }
  while (nextSnapshot < snapshots.length) feedSnapshot(snapshots[nextSnapshot++]!);

  return r.finish(sync, wsStats.malformed + restStats.malformed, (s) => {
    s.rows_compared = truth.compared;
    s.rows_matched = truth.matched;
    s.pending_updates = sync.pendingUpdates();
    s.unsynced = sync.unsyncedSymbols();
    if (truth.mismatches.length) s.ticker_mismatches = truth.mismatches.slice(0, 5);
  });
}
