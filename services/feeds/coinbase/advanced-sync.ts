/**
 * Coinbase Advanced Trade level2 book sync, per product. A snapshot replaces the book; an update
 * sets the new size at each price (0 deletes). Whether a message was lost is decided per
 * connection by `sequence_num` (advanced-sequence.ts, in the decoder, which may run on another
 * thread): a gap reaches every product of the connection as an `advanced-gap` input, and each
 * product that had a book stops applying updates until a fresh snapshot (the live source
 * resubscribes it). Unlike the legacy channel's crossed-book check, this catches any lost
 * message, also one that leaves the book uncrossed (a size change deep in the book).
 *
 * Coinbase prints prices and sizes without trailing zeros ("21921.3", "0.02"), so a snapshot
 * can show fewer decimals than a later update. Such an update is not a loss: the book is
 * rebuilt at the wider format, with the update applied, and handed on as a snapshot.
 */
import { ProductBooks, type ProductBook } from './product-books.js';
import { L2Book } from '../../marketdata/book/l2-book.js';
import type { DecodeProblem, EventTags, LevelChange, PriceFormat, Scaled } from '../../marketdata/events.js';
import { formatFromLevels, isProblem, scaleLevels, type StrLevel } from '../levels.js';
import { emptySyncStats, result, type AppliedListener, type RecvStamp, type SyncResult } from '../sync.js';
import type { AdvancedLevel } from './advanced-decode.js';
import { COINBASE } from './sync.js';

/** The decoded inputs `keep` takes: plain objects, so a recording's can cross to the owning worker. */
export interface AdvancedSnapshotInput {
  kind: 'advanced-snapshot';
  product: string;
  /** The message's sequence_num (per connection: for the record, not for checking). */
  seq: number;
  timeUs: number;
  bids: StrLevel[];
  asks: StrLevel[];
}

export interface AdvancedUpdateInput {
  kind: 'advanced-update';
  product: string;
  seq: number;
  timeUs: number;
  changes: AdvancedLevel[];
}

/** Messages were lost on the product's connection (which ones, and for which product, is unknown). */
export interface AdvancedGapInput {
  kind: 'advanced-gap';
  product: string;
  /** What the connection expected, and the sequence_num that came instead. */
  expected: number;
  got: number;
  /** `lost`: a jump in sequence_num; `unreadable`: a book message that could not be decoded; `new-connection`: a reconnect (or the numbers restarting at 0). */
  reason: 'lost' | 'unreadable' | 'new-connection';
}

export type AdvancedInput = AdvancedSnapshotInput | AdvancedUpdateInput | AdvancedGapInput;

export function isAdvancedInput(data: unknown): data is AdvancedInput {
  const k = (data as { kind?: unknown } | null)?.kind;
  return k === 'advanced-snapshot' || k === 'advanced-update' || k === 'advanced-gap';
}

const FALLBACK_FORMAT: PriceFormat = { priceDecimals: 8, sizeDecimals: 8 };

export class CoinbaseAdvancedSync extends ProductBooks<ProductBook> {
  readonly exchange: string;
  readonly stats = emptySyncStats();
  /** Books rebuilt at a wider format because an update had more decimals than the book. */
  widened = 0;
  private readonly onApplied?: AppliedListener;

  constructor(opts: { exchange?: string; onApplied?: AppliedListener } = {}) {
    super();
    this.exchange = opts.exchange ?? COINBASE;
    this.onApplied = opts.onApplied;
  }

  keep(input: AdvancedInput, stamp: RecvStamp, at?: number): SyncResult {
    switch (input.kind) {
      case 'advanced-snapshot': return this.onSnapshot(input, stamp, at);
      case 'advanced-update': return this.onUpdate(input, stamp, at);
      case 'advanced-gap': return this.onGap(input, at);
    }
  }

  onSnapshot(snap: AdvancedSnapshotInput, stamp: RecvStamp, at?: number): SyncResult {
    const out = result();
    const st = this.state(snap.product);
    const levels = [...snap.bids, ...snap.asks];
    // Never narrower than the book it replaces: a format that flips back and forth costs subscribers a new book each time.
    const format = widest(formatFromLevels(levels, st.book?.format ?? FALLBACK_FORMAT), st.book?.format);
    const skip = (p: DecodeProblem) => out.problems.push(withAt(p, at));
    const bids = scaleLevels(snap.bids.filter(nonZero), format, `${snap.product} snapshot bids`, skip);
    const asks = scaleLevels(snap.asks.filter(nonZero), format, `${snap.product} snapshot asks`, skip);
    if (isProblem(bids) || isProblem(asks)) {
      out.problems.push(withAt(isProblem(bids) ? bids : (asks as DecodeProblem), at));
      return out;
    }
    if (!st.book || !sameFormat(st.book.format, format)) st.book = new L2Book(this.exchange, snap.product, format, Math.max(bids.length, asks.length) * 2 + 16);
    st.book.applySnapshot(bids, asks);
    st.book.takeDeltas();
    if (st.waiting) this.stats.resyncs++;
    st.waiting = false;
    this.stats.applied++;
    this.countCrossed(st.book);
    this.emitSnapshot(out, st.book, snap.seq, snap.timeUs, stamp);
    return out;
  }

  onUpdate(upd: AdvancedUpdateInput, stamp: RecvStamp, at?: number): SyncResult {
    const out = result();
    const st = this.state(upd.product);
    if (!st.book) {
      this.stats.dropped++;
      out.problems.push(withAt({ kind: 'out-of-order', detail: `${upd.product}: level2 update before any snapshot` }, at));
      return out;
    }
    if (st.waiting) {
      this.stats.dropped++;
      return out;
    }
    const skip = (p: DecodeProblem) => out.problems.push(withAt(p, at));
    const changes = scaleChanges(upd.changes, st.book.format, `${upd.product} update`, skip);
    if (changes === undefined) return this.widen(st, upd, stamp, at);
    for (const c of changes) st.book.set(c.side, c.price, c.size);
    this.stats.applied++;
    this.countCrossed(st.book);
    const event = { type: 'l2-update' as const, ...this.tags(upd.product, upd.seq, upd.timeUs, stamp), changes };
    out.events.push(event);
    this.onApplied?.(event, st.book);
    return out;
  }

  /** Messages were lost on the connection: a book that was in sync can no longer be vouched for. */
  onGap(gap: AdvancedGapInput, at?: number): SyncResult {
    const out = result();
    const st = this.products.get(gap.product);
    // No book, or already waiting for a snapshot: nothing more to lose.
    if (!st?.book || st.waiting) return out;
    st.waiting = true;
    this.stats.gaps++;
    const why = gap.reason === 'lost'
      ? `sequence_num ${gap.got} where ${gap.expected} was expected: ${gap.got - gap.expected} message(s) lost on the connection`
      : gap.reason === 'unreadable'
        ? `book message ${gap.got} on the connection could not be read`
        : `a new connection (sequence_num ${gap.got}): what was sent between the two is unknown`;
    out.problems.push(withAt({ kind: 'gap', detail: `${gap.product}: ${why}; every product on it resyncs` }, at));
    return out;
  }

  /**
   * The update has more decimals than the book: rebuild the book at the wider format (levels
   * rescaled exactly), apply the update and hand the whole book on as a snapshot. Only if a
   * level cannot be held at the wider format does the product resync.
   */
  private widen(st: ProductBook, upd: AdvancedUpdateInput, stamp: RecvStamp, at?: number): SyncResult {
    const out = result();
    const old = st.book!;
    const format = widest(formatFromLevels(upd.changes.map((c): StrLevel => [c.price, c.size]), old.format), old.format);
    const changes = scaleChanges(upd.changes, format, `${upd.product} update`, (p) => out.problems.push(withAt(p, at)));
    const rescaled = rescale(old, format);
    if (!changes || !rescaled) {
      st.waiting = true;
      this.stats.gaps++;
      out.problems.push(withAt({ kind: 'malformed', detail: `${upd.product}: update "${upd.changes.map((c) => `${c.price}x${c.size}`).join(', ').slice(0, 80)}" cannot be held at ${format.priceDecimals}/${format.sizeDecimals} decimals; resync` }, at));
      return out;
    }
    const book = new L2Book(this.exchange, upd.product, format, Math.max(old.depth('bid'), old.depth('ask')) * 2 + 16);
    book.applySnapshot(rescaled.bids, rescaled.asks);
    for (const c of changes) book.set(c.side, c.price, c.size);
    book.takeDeltas();
    st.book = book;
    this.widened++;
    this.stats.applied++;
    this.countCrossed(book);
    this.emitSnapshot(out, book, upd.seq, upd.timeUs, stamp);
    return out;
  }

  private emitSnapshot(out: SyncResult, book: L2Book, seq: number, timeUs: number, stamp: RecvStamp): void {
    const { bids, asks } = book.snapshot();
    const event = { type: 'l2-snapshot' as const, ...this.tags(book.symbol, seq, timeUs, stamp), bids, asks };
    out.events.push(event);
    this.onApplied?.(event, book);
  }

  /** Counted, not acted on: the sequence is the check here; a crossed book with no gap is the venue's own. */
  private countCrossed(book: L2Book): void {
    if (book.isCrossed()) this.stats.crossed++;
  }

  private state(product: string): ProductBook {
    let st = this.products.get(product);
    if (!st) {
      st = { waiting: false };
      this.products.set(product, st);
    }
    return st;
  }

  private tags(symbol: string, exchSeq: number, exchTsUs: number, stamp: RecvStamp): EventTags {
    return { exchange: this.exchange, symbol, exchSeq, exchTsUs, recvMonoNs: stamp.recvMonoNs, recvWallUs: stamp.recvWallUs };
  }
}

/**
 * All changes scaled at `format`, or undefined if one has more decimals than it (nothing is
 * applied then). A level beyond 2^53 at these decimals is left out and reported through `skip`,
 * as in a snapshot: that far from the touch it never reaches the top of the book.
 */
function scaleChanges(levels: AdvancedLevel[], format: PriceFormat, what: string, skip: (p: DecodeProblem) => void): LevelChange[] | undefined {
  const out: LevelChange[] = [];
  for (const c of levels) {
    const scaled = scaleLevels([[c.price, c.size]], format, what, skip);
    if (isProblem(scaled)) return undefined;
    for (const [price, size] of scaled) out.push({ side: c.side, price, size });
  }
  return out;
}

/** The book's levels at a wider format, or undefined if one would pass 2^53. */
function rescale(book: L2Book, to: PriceFormat): { bids: Array<[Scaled, Scaled]>; asks: Array<[Scaled, Scaled]> } | undefined {
  const pf = 10 ** (to.priceDecimals - book.format.priceDecimals);
  const sf = 10 ** (to.sizeDecimals - book.format.sizeDecimals);
  const { bids, asks } = book.snapshot();
  const up = (levels: Array<[Scaled, Scaled]>) => levels.map(([p, s]): [Scaled, Scaled] => [p * pf, s * sf]);
  const out = { bids: up(bids), asks: up(asks) };
  const safe = (l: Array<[Scaled, Scaled]>) => l.every(([p, s]) => Number.isSafeInteger(p) && Number.isSafeInteger(s));
  return safe(out.bids) && safe(out.asks) ? out : undefined;
}

function widest(a: PriceFormat, b: PriceFormat | undefined): PriceFormat {
  return b ? { priceDecimals: Math.max(a.priceDecimals, b.priceDecimals), sizeDecimals: Math.max(a.sizeDecimals, b.sizeDecimals) } : a;
}

function sameFormat(a: PriceFormat, b: PriceFormat): boolean {
  return a.priceDecimals === b.priceDecimals && a.sizeDecimals === b.sizeDecimals;
}

/** A snapshot lists only standing levels, but a "0" would only delete what the snapshot replaces anyway. */
function nonZero([, size]: StrLevel): boolean {
  return !/^0*(?:\.0*)?$/.test(size);
}

function withAt(p: DecodeProblem, at: number | undefined): DecodeProblem {
  return at === undefined ? p : { ...p, at };
}
