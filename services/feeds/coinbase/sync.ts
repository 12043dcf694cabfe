/**
 * Coinbase level2 book sync, per product: a snapshot replaces the book, l2update changes set the
 * new size at a price (0 deletes). The legacy level2 channel carries no sequence, so there is
 * no sequence-gap detection here; the check that remains is structural: after every update the
 * book must not be crossed (best bid < best ask), which a lost update soon breaks (a lost delete
 * of the best ask, then a bid above it). With `resyncOnCrossed` (the live feed) a crossed book is
 * treated as a gap: the product stops applying updates until a fresh snapshot (the live source
 * resubscribes it). Replays keep counting crossings instead, since a capture has no second snapshot.
 */
import { ProductBooks, type ProductBook } from './product-books.js';
import { L2Book } from '../../marketdata/book/l2-book.js';
import type { DecodeProblem, EventTags, LevelChange, PriceFormat } from '../../marketdata/events.js';
import { formatFromLevels, isProblem, scaleLevels } from '../levels.js';
import { emptySyncStats, result, type AppliedListener, type RecvStamp, type SyncResult } from '../sync.js';
import type { CoinbaseL2Update, CoinbaseSnapshot } from './decode.js';

export const COINBASE = 'COINBASE';
const FALLBACK_FORMAT: PriceFormat = { priceDecimals: 8, sizeDecimals: 8 };

interface ProductState extends ProductBook {
  /** Running count of applied messages (no exchange sequence on level2). */
  seq: number;
}

export class CoinbaseSync extends ProductBooks<ProductState> {
  readonly exchange: string;
  readonly stats = emptySyncStats();
  private readonly onApplied?: AppliedListener;
  /** First few crossings: product and where. */
  readonly crossings: Array<{ product: string; at?: number }> = [];
  private readonly resyncOnCrossed: boolean;

  constructor(opts: { exchange?: string; onApplied?: AppliedListener; resyncOnCrossed?: boolean } = {}) {
    super();
    this.exchange = opts.exchange ?? COINBASE;
    this.onApplied = opts.onApplied;
    this.resyncOnCrossed = opts.resyncOnCrossed ?? false;
  }

  onSnapshot(snap: CoinbaseSnapshot, stamp: RecvStamp, at?: number): SyncResult {
    const out = result();
    const st = this.state(snap.product);
    const format = formatFromLevels([...snap.bids, ...snap.asks], st.book?.format ?? FALLBACK_FORMAT);
    const skip = (p: DecodeProblem) => out.problems.push(withAt(p, at));
    const bids = scaleLevels(snap.bids, format, `${snap.product} snapshot bids`, skip);
    const asks = scaleLevels(snap.asks, format, `${snap.product} snapshot asks`, skip);
    if (isProblem(bids) || isProblem(asks)) {
      out.problems.push(withAt(isProblem(bids) ? bids : (asks as DecodeProblem), at));
      return out;
    }
    if (!st.book || st.book.format.priceDecimals !== format.priceDecimals || st.book.format.sizeDecimals !== format.sizeDecimals) {
      st.book = new L2Book(this.exchange, snap.product, format, Math.max(bids.length, asks.length) * 2 + 16);
    }
    st.book.applySnapshot(bids, asks);
    st.book.takeDeltas();
    st.seq++;
    if (st.waiting) this.stats.resyncs++;
    st.waiting = false;
    this.stats.applied++;
    this.checkCrossed(st.book, at);
    const event = { type: 'l2-snapshot' as const, ...this.tags(snap.product, st.seq, 0, stamp), bids, asks };
    out.events.push(event);
    this.onApplied?.(event, st.book);
    return out;
  }

  onUpdate(upd: CoinbaseL2Update, stamp: RecvStamp, at?: number): SyncResult {
    const out = result();
    const st = this.state(upd.product);
    const book = st.book;
    if (book && st.waiting) {
      this.stats.dropped++;
      return out;
    }
    if (!book) {
      this.stats.dropped++;
      out.problems.push(withAt({ kind: 'out-of-order', detail: `${upd.product}: l2update before any snapshot` }, at));
      return out;
    }
    const changes: LevelChange[] = [];
    const skip = (p: DecodeProblem) => out.problems.push(withAt(p, at));
    for (const c of upd.changes) {
      const scaled = scaleLevels([[c.price, c.size]], book.format, `${upd.product} l2update`, skip);
      if (isProblem(scaled)) {
        out.problems.push(withAt(scaled, at));
        return out;
      }
      for (const [price, size] of scaled) changes.push({ side: c.side, price, size });
    }
    for (const c of changes) book.set(c.side, c.price, c.size);
    if (this.checkCrossed(book, at) && this.resyncOnCrossed) {
      // The book is already wrong: publish nothing from it until the snapshot replaces it.
      this.stats.gaps++;
      st.waiting = true;
      out.problems.push(withAt({ kind: 'crossed', detail: `${upd.product}: book crossed after an update (a lost message); resync` }, at));
      return out;
    }
    st.seq++;
    this.stats.applied++;
    const event = { type: 'l2-update' as const, ...this.tags(upd.product, st.seq, upd.timeUs, stamp), changes };
    out.events.push(event);
    this.onApplied?.(event, book);
    return out;
  }

  private checkCrossed(book: L2Book, at: number | undefined): boolean {
    if (!book.isCrossed()) return false;
    this.stats.crossed++;
    if (this.crossings.length < 20) this.crossings.push({ product: book.symbol, at });
    return true;
  }

  private state(product: string): ProductState {
    let st = this.products.get(product);
    if (!st) {
      st = { seq: 0, waiting: false };
      this.products.set(product, st);
    }
    return st;
  }

  private tags(symbol: string, exchSeq: number, exchTsUs: number, stamp: RecvStamp): EventTags {
    return { exchange: this.exchange, symbol, exchSeq, exchTsUs, recvMonoNs: stamp.recvMonoNs, recvWallUs: stamp.recvWallUs };
  }
}

function withAt(p: DecodeProblem, at: number | undefined): DecodeProblem {
  return at === undefined ? p : { ...p, at };
}
