/**
 * Kraken WS v1 book sync, per pair: snapshot, then updates applied in frame order, the book cut
 * back to the subscribed depth (Kraken never sends deletes for levels that fall out of it), and
 * the CRC32 checksum checked after EVERY update that carries one. A mismatch means the book is
 * wrong: the pair stops applying updates until a new snapshot (the live client resubscribes).
 * Prices keep the pair's own decimals (from the snapshot strings) so the checksum can be
 * recomputed from the book exactly as Kraken prints it.
 */
import { L2Book, formatLevels } from '../../marketdata/book/l2-book.js';
import type { DecodeProblem, EventTags, LevelChange, PriceFormat } from '../../marketdata/events.js';
import { formatFromLevels, isProblem, scaleLevels, toChanges } from '../levels.js';
import { emptySyncStats, result, type AppliedListener, type RecvStamp, type SyncResult } from '../sync.js';
import { CHECKSUM_DEPTH, krakenChecksum } from './checksum.js';
import type { KrakenBookSnapshot, KrakenBookUpdate } from './decode.js';

export const KRAKEN = 'KRAKEN';
const FALLBACK_FORMAT: PriceFormat = { priceDecimals: 5, sizeDecimals: 8 };

interface PairState {
  book?: L2Book;
  depth: number;
  /** Running count of applied messages: Kraken v1 books carry no sequence. */
  seq: number;
  waiting: boolean;
  afterMismatch: boolean;
}

export interface ChecksumMismatch {
  pair: string;
  expected: string;
  computed: string;
  at?: number;
}

export class KrakenBookSync {
  readonly exchange: string;
  readonly stats = emptySyncStats();
  private readonly onApplied?: AppliedListener;
  readonly mismatches: ChecksumMismatch[] = [];
  private readonly pairs = new Map<string, PairState>();

  constructor(opts: { exchange?: string; onApplied?: AppliedListener } = {}) {
    this.exchange = opts.exchange ?? KRAKEN;
    this.onApplied = opts.onApplied;
  }

  book(pair: string): L2Book | undefined {
    return this.pairs.get(pair)?.book;
  }

  books(): L2Book[] {
    return [...this.pairs.values()].flatMap((s) => (s.book ? [s.book] : []));
  }

  needsSnapshot(pair: string): boolean {
    return this.pairs.get(pair)?.waiting ?? true;
  }

  /** A reconnect may have lost updates: drop updates until the next snapshot, which counts as a resync. */
  invalidate(pair: string): void {
    const st = this.pairs.get(pair);
    if (st?.book) this.startResync(st);
  }

  onSnapshot(snap: KrakenBookSnapshot, stamp: RecvStamp, at?: number): SyncResult {
    const out = result();
    const st = this.state(snap.pair, snap.depth);
    const format = formatFromLevels([...snap.asks, ...snap.bids], st.book?.format ?? FALLBACK_FORMAT);
    const skip = (p: DecodeProblem) => out.problems.push(withAt(p, at));
    const asks = scaleLevels(snap.asks, format, `${snap.pair} snapshot asks`, skip);
    const bids = scaleLevels(snap.bids, format, `${snap.pair} snapshot bids`, skip);
    if (isProblem(asks) || isProblem(bids)) {
      out.problems.push(withAt(isProblem(asks) ? asks : (bids as DecodeProblem), at));
      return out;
    }
    // A resubscription may change the decimals; keep the book's format in step with the exchange.
    if (!st.book || !sameFormat(st.book.format, format)) st.book = new L2Book(this.exchange, snap.pair, format, Math.min(snap.depth, 1024) + 16);
    st.depth = snap.depth;
    st.book.applySnapshot(bids, asks);
    st.book.truncate(st.depth);
    st.book.takeDeltas();
    st.seq++;
    if (st.afterMismatch) this.stats.resyncs++;
    st.waiting = false;
    st.afterMismatch = false;
    this.stats.applied++;
    const event = { type: 'l2-snapshot' as const, ...this.tags(snap.pair, st.seq, snap.tsUs, stamp), bids: st.book.top('bid', st.depth), asks: st.book.top('ask', st.depth) };
    out.events.push(event);
    this.onApplied?.(event, st.book);
    return out;
  }

  onUpdate(upd: KrakenBookUpdate, stamp: RecvStamp, at?: number): SyncResult {
    const out = result();
    const st = this.state(upd.pair, upd.depth);
    if (st.waiting || !st.book) {
      this.stats.dropped++;
      return out;
    }
    const book = st.book;
    const skip = (p: DecodeProblem) => out.problems.push(withAt(p, at));
    const asks = scaleLevels(upd.asks, book.format, `${upd.pair} asks`, skip);
    const bids = scaleLevels(upd.bids, book.format, `${upd.pair} bids`, skip);
    if (isProblem(asks) || isProblem(bids)) {
      out.problems.push(withAt(isProblem(asks) ? asks : (bids as DecodeProblem), at));
      this.startResync(st);
      return out;
    }
    const changes: LevelChange[] = [...toChanges('ask', asks), ...toChanges('bid', bids)];
    for (const c of changes) book.set(c.side, c.price, c.size);
    book.truncate(st.depth);
    st.seq++;
    if (upd.checksum !== undefined) {
      this.stats.checksumChecks++;
      const computed = this.checksum(book);
      if (computed !== upd.checksum) {
        this.stats.gaps++;
        if (this.mismatches.length < 20) this.mismatches.push({ pair: upd.pair, expected: upd.checksum, computed, at });
        out.problems.push(withAt({ kind: 'checksum', detail: `${upd.pair}: checksum ${computed} != Kraken's ${upd.checksum}; resync` }, at));
        this.startResync(st);
        return out;
      }
      this.stats.checksumMatches++;
    }
    this.stats.applied++;
    if (book.isCrossed()) this.stats.crossed++;
    const event = { type: 'l2-update' as const, ...this.tags(upd.pair, st.seq, upd.tsUs, stamp), changes };
    out.events.push(event);
    this.onApplied?.(event, book);
    return out;
  }

  /** Kraken's checksum of the book as it stands. */
  checksum(book: L2Book): string {
    return krakenChecksum(formatLevels(book.top('ask', CHECKSUM_DEPTH), book.format), formatLevels(book.top('bid', CHECKSUM_DEPTH), book.format));
  }

  private startResync(st: PairState): void {
    st.waiting = true;
    st.afterMismatch = true;
  }

  private state(pair: string, depth: number): PairState {
    let st = this.pairs.get(pair);
    if (!st) {
      st = { depth, seq: 0, waiting: true, afterMismatch: false };
      this.pairs.set(pair, st);
    }
    return st;
  }

  private tags(symbol: string, exchSeq: number, exchTsUs: number, stamp: RecvStamp): EventTags {
    return { exchange: this.exchange, symbol, exchSeq, exchTsUs, recvMonoNs: stamp.recvMonoNs, recvWallUs: stamp.recvWallUs };
  }
}

function sameFormat(a: PriceFormat, b: PriceFormat): boolean {
  return a.priceDecimals === b.priceDecimals && a.sizeDecimals === b.sizeDecimals;
}

function withAt(p: DecodeProblem, at: number | undefined): DecodeProblem {
  return at === undefined ? p : { ...p, at };
}
