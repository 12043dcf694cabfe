/**
 * Binance diff-depth book sync, per symbol ("How to manage a local order book correctly"):
 *  - buffer depthUpdates until a REST snapshot is there;
 *  - drop updates with u <= lastUpdateId;
 *  - the first applied update must straddle lastUpdateId + 1 (U <= lastUpdateId + 1 <= u);
 *  - every later one must start at the previous u + 1; anything else is a gap: the symbol waits
 *    for a new snapshot (buffering again) and is rebuilt from it.
 * Pure: frames in, events and problems out. The caller fetches snapshots when `needsSnapshot`.
 */
import { L2Book } from '../../marketdata/book/l2-book.js';
import type { DecodeProblem, EventTags, LevelChange, PriceFormat } from '../../marketdata/events.js';
import { formatFromLevels, isProblem, scaleLevels, toChanges } from '../levels.js';
import { emptySyncStats, result, type AppliedListener, type RecvStamp, type SyncResult } from '../sync.js';
import type { BinanceDepthSnapshot, BinanceDepthUpdate } from './decode.js';

export const BINANCE = 'BINANCE';
/** Binance spot prints every price and quantity with 8 decimals. */
const BINANCE_FORMAT: PriceFormat = { priceDecimals: 8, sizeDecimals: 8 };

interface Pending {
  upd: BinanceDepthUpdate;
  stamp: RecvStamp;
  at?: number;
}

interface SymbolState {
  book?: L2Book;
  lastUpdateId: number;
  /** u of the last applied update; undefined until the first one after a snapshot. */
  prevFinalId?: number;
  /** Waiting for a snapshot: updates are buffered, not applied. */
  waiting: boolean;
  /** A gap happened: the next snapshot is a resync. */
  afterGap: boolean;
  buffer: Pending[];
}

export interface BinanceSyncOptions {
  exchange?: string;
  /** Updates kept per symbol while waiting for a snapshot; older ones are dropped first. */
  maxBuffered?: number;
  onApplied?: AppliedListener;
}

export class BinanceSync {
  readonly exchange: string;
  readonly stats = emptySyncStats();
  private readonly maxBuffered: number;
  private readonly onApplied?: AppliedListener;
  private readonly symbols = new Map<string, SymbolState>();

  constructor(opts: BinanceSyncOptions = {}) {
    this.exchange = opts.exchange ?? BINANCE;
    this.maxBuffered = opts.maxBuffered ?? 10_000;
    this.onApplied = opts.onApplied;
  }

  book(symbol: string): L2Book | undefined {
    return this.symbols.get(symbol)?.book;
  }

  books(): L2Book[] {
    return [...this.symbols.values()].flatMap((s) => (s.book ? [s.book] : []));
  }

  /** True when the symbol has no usable book (never snapshotted, or a gap since). */
  needsSnapshot(symbol: string): boolean {
    return this.state(symbol).waiting;
  }

  /** A reconnect may have lost diffs: buffer from now on and wait for a new REST snapshot. */
  invalidate(symbol: string): void {
    const st = this.state(symbol);
    if (st.book && !st.waiting) this.startResync(st);
    // Diffs buffered on the old connection cannot be chained to the new one.
    st.buffer = [];
  }

  /**
   * Apply a REST snapshot if the symbol is waiting for one, then replay its buffered updates.
   * A snapshot for a symbol that is in sync is ignored (returns no events). A snapshot older than
   * the first buffered diff (lastUpdateId + 1 < U) cannot be chained: Binance's procedure says to
   * fetch another, so it is refused with a `stale-snapshot` problem and the symbol keeps waiting.
   */
  onSnapshot(symbol: string, snap: BinanceDepthSnapshot, stamp: RecvStamp, at?: number): SyncResult {
    const out = result();
    const st = this.state(symbol);
    if (!st.waiting) return out;
    const first = st.buffer[0];
    if (first && snap.lastUpdateId + 1 < first.upd.firstId) {
      this.stats.dropped++;
      out.problems.push(withAt({ kind: 'stale-snapshot', detail: `${symbol}: snapshot ${snap.lastUpdateId} is older than the first buffered update ${first.upd.firstId}; fetch another` }, at));
      return out;
    }
    const format = st.book?.format ?? formatFromLevels([...snap.bids, ...snap.asks], BINANCE_FORMAT);
    const bids = scaleLevels(snap.bids, format, `${symbol} snapshot bids`);
    const asks = scaleLevels(snap.asks, format, `${symbol} snapshot asks`);
    if (isProblem(bids) || isProblem(asks)) {
      out.problems.push(withAt(isProblem(bids) ? bids : (asks as DecodeProblem), at));
      return out;
    }
    st.book ??= new L2Book(this.exchange, symbol, format, Math.max(64, snap.bids.length, snap.asks.length) * 2);
    st.book.applySnapshot(bids, asks);
    st.book.takeDeltas();
    st.lastUpdateId = snap.lastUpdateId;
    st.prevFinalId = undefined;
    st.waiting = false;
    if (st.afterGap) this.stats.resyncs++;
    st.afterGap = false;
    this.stats.applied++;
    const event = { type: 'l2-snapshot' as const, ...this.tags(symbol, snap.lastUpdateId, 0, stamp), bids, asks };
    out.events.push(event);
    this.onApplied?.(event, st.book);
    const buffered = st.buffer;
    st.buffer = [];
    for (const p of buffered) merge(out, this.onDepthUpdate(p.upd, p.stamp, p.at));
    return out;
  }

  onDepthUpdate(upd: BinanceDepthUpdate, stamp: RecvStamp, at?: number): SyncResult {
    const out = result();
    const st = this.state(upd.symbol);
    if (st.waiting) {
      this.bufferUpdate(st, { upd, stamp, at });
      return out;
    }
    if (upd.finalId <= st.lastUpdateId) {
      this.stats.dropped++;
      return out;
    }
    const expected = st.prevFinalId === undefined ? st.lastUpdateId + 1 : st.prevFinalId + 1;
    if (st.prevFinalId !== undefined && upd.finalId <= st.prevFinalId) {
      this.stats.dropped++;
      out.problems.push(withAt({ kind: 'out-of-order', detail: `${upd.symbol}: update ${upd.firstId}-${upd.finalId} after ${st.prevFinalId}` }, at));
      return out;
    }
    const inSequence = st.prevFinalId === undefined ? upd.firstId <= expected && expected <= upd.finalId : upd.firstId === expected;
    if (!inSequence) {
      this.stats.gaps++;
      out.problems.push(withAt({ kind: 'gap', detail: `${upd.symbol}: expected update ${expected}, got ${upd.firstId}-${upd.finalId}; resync` }, at));
      this.startResync(st);
      this.bufferUpdate(st, { upd, stamp, at });
      return out;
    }
    const book = st.book!;
    const bids = scaleLevels(upd.bids, book.format, `${upd.symbol} bids`);
    const asks = scaleLevels(upd.asks, book.format, `${upd.symbol} asks`);
    if (isProblem(bids) || isProblem(asks)) {
      // Skipping an update would silently corrupt the book: treat it as a gap.
      this.stats.gaps++;
      out.problems.push(withAt(isProblem(bids) ? bids : (asks as DecodeProblem), at));
      this.startResync(st);
      return out;
    }
    const changes: LevelChange[] = [...toChanges('bid', bids), ...toChanges('ask', asks)];
    for (const c of changes) book.set(c.side, c.price, c.size);
    st.prevFinalId = upd.finalId;
    this.stats.applied++;
    if (book.isCrossed()) this.stats.crossed++;
    const event = { type: 'l2-update' as const, ...this.tags(upd.symbol, upd.finalId, upd.eventTimeMs * 1000, stamp), changes };
    out.events.push(event);
    this.onApplied?.(event, book);
    return out;
  }

  /** Updates buffered for symbols still waiting for a snapshot. */
  pendingUpdates(): number {
    let n = 0;
    for (const st of this.symbols.values()) n += st.buffer.length;
    return n;
  }

  /** Symbols that ended without a usable book. */
  unsyncedSymbols(): string[] {
    return [...this.symbols.entries()].filter(([, st]) => st.waiting).map(([sym]) => sym);
  }

  private startResync(st: SymbolState): void {
    st.waiting = true;
    st.afterGap = true;
    st.prevFinalId = undefined;
  }

  private bufferUpdate(st: SymbolState, p: Pending): void {
    st.buffer.push(p);
    if (st.buffer.length > this.maxBuffered) {
      st.buffer.shift();
      this.stats.dropped++;
    }
  }

  private state(symbol: string): SymbolState {
    let st = this.symbols.get(symbol);
    if (!st) {
      st = { lastUpdateId: 0, waiting: true, afterGap: false, buffer: [] };
      this.symbols.set(symbol, st);
    }
    return st;
  }

  private tags(symbol: string, exchSeq: number, exchTsUs: number, stamp: RecvStamp): EventTags {
    return { exchange: this.exchange, symbol, exchSeq, exchTsUs, recvMonoNs: stamp.recvMonoNs, recvWallUs: stamp.recvWallUs };
  }
}

function merge(into: SyncResult, from: SyncResult): void {
  into.events.push(...from.events);
  into.problems.push(...from.problems);
}

function withAt(p: DecodeProblem, at: number | undefined): DecodeProblem {
  return at === undefined ? p : { ...p, at };
}
