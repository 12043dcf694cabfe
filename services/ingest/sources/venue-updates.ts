/**
 * Turn a venue sync's output into FeedUpdates: the sync owns the venue's rules (sequence,
 * checksum, truncation) and its book; what changed in that book after each input is exactly
 * what the ingest must publish. `takeDeltas` captures truncations the venue never sends.
 */
import type { L2Book } from '../../marketdata/book/l2-book.js';
import type { SyncResult } from '../../feeds/sync.js';
import { liveStamp, type RecvStamp } from '../../feeds/capture/stamp.js';
import type { FeedUpdate, SourceStats } from '../feed-update.js';

/**
 * `attachBook`: hand the sync's book along (`FeedUpdate.book`) so the publish engine publishes
 * from it instead of a copy. Only for a consumer that takes the updates synchronously, in this
 * thread, before the sync applies anything else (the owning worker's sink).
 */
/**
 * `stamp`: the receive time to give the updates (an input decoded and stamped on another thread);
 * by default the time now, when the pipeline takes the event in.
 */
export function updatesFromSync(result: SyncResult, bookOf: (symbol: string) => L2Book | undefined, atUs: number, stats: SourceStats, attachBook = false, stamp?: RecvStamp): FeedUpdate[] {
  const out: FeedUpdate[] = [];
  stats.malformed += result.problems.filter((p) => p.kind === 'malformed' || p.kind === 'unknown-type' || p.kind === 'negative-size' || p.kind === 'truncated').length;
  for (const ev of result.events) {
    const book = bookOf(ev.symbol);
    if (!book) continue;
    // The receive stamp is when the pipeline took the event in, not when it was recorded.
    const at = stamp ?? liveStamp();
    const base = { exchange: ev.exchange, symbol: ev.symbol, format: book.format, exchSeq: ev.exchSeq, exchTsUs: ev.exchTsUs, recvMonoNs: at.recvMonoNs, recvWallUs: at.recvWallUs, atUs, ...(attachBook ? { book } : {}) };
    if (ev.type === 'l2-snapshot') {
      book.takeDeltas();
      const { bids, asks } = book.snapshot();
      out.push({ ...base, kind: 'snapshot', bids, asks });
    } else if (ev.type !== 'status') {
      // A level update, or an order event (ITCH) whose L3 book moved its L2 levels.
      const changes = book.takeDeltas();
      if (changes.length) out.push({ ...base, kind: 'delta', changes });
    }
  }
  stats.updates += out.length;
  return out;
}
