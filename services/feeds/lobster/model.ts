/**
 * A LOBSTER book that only claims what it can know.
 *
 * A level-N file carries messages only for the top N levels, so the model tracks, per side, the
 * price range it knows exactly: bids at or above `bidFloor`, asks at or below `askCeiling`.
 * - Seeding from orderbook row k makes the top N levels known (the whole side if the row has
 *   fewer than N real levels).
 * - A new level inside the known range pushes the Nth level out of the window; from then on
 *   nothing reports its changes, so the range shrinks to the new Nth level.
 * - A level leaving the range never comes back as known; prices outside the range are ignored.
 * The L2 book therefore holds exactly the known levels, and after every message they must equal
 * a prefix of the orderbook row, with no row level inside the known range missing.
 */
import type { DecodeProblem, Scaled, Side } from '../../marketdata/events.js';
import { L3Book } from '../../marketdata/book/l3-book.js';
import { L2Book } from '../../marketdata/book/l2-book.js';
import { LOBSTER_FORMAT, LobsterType, type LobsterBookRow, type LobsterMessage } from './parse.js';

export interface RowComparison {
  matched: boolean;
  knownBids: number;
  knownAsks: number;
  /** First difference, for humans. */
  detail?: string;
}

export class LobsterBookModel {
  readonly l3: L3Book;
  private bidFloor = Infinity;
  private askCeiling = -Infinity;

  constructor(
    readonly exchange: string,
    readonly symbol: string,
    /** Levels per side the message file covers (10 for a level-10 file). */
    readonly levels = 10,
    /** Learn empty prices from price priority (executions, resting adds); exact, on by default. */
    readonly inferFromPriority = true,
  ) {
    this.l3 = new L3Book(exchange, symbol, LOBSTER_FORMAT, {
      capacityHint: levels * 2,
      levelGate: (side, price) => this.isKnown(side, price),
    });
  }

  get book(): L2Book {
    return this.l3.l2;
  }

  /** True if the model knows the exact aggregate size at this price. */
  isKnown(side: Side, price: Scaled): boolean {
    return side === 'bid' ? price >= this.bidFloor : price <= this.askCeiling;
  }

  /**
   * Take orderbook row k as the truth after message k. If message k added an order, adopt it
   * (the row already includes it) so later events on that id are tracked by order.
   */
  seed(row: LobsterBookRow, msg?: LobsterMessage): void {
    this.l3.clear();
    this.book.applySnapshot(row.bids, row.asks);
    this.setRange(row);
    if (msg?.type === LobsterType.add) this.l3.adopt(msg.orderId, msg.side, msg.price, msg.size);
  }

  /** Apply one message. Returns a problem for inconsistent input (the book stays usable). */
  apply(msg: LobsterMessage): DecodeProblem | undefined {
    let p: DecodeProblem | undefined;
    const at = { side: msg.side, price: msg.price };
    switch (msg.type) {
      case LobsterType.add:
        p = this.l3.add(msg.orderId, msg.side, msg.price, msg.size);
        // A resting order at p means nothing on the other side could trade with it: the book
        // is not crossed, so the opposite side holds nothing at p or better for it.
        if (this.inferFromPriority) this.emptyBeyond(msg.side === 'bid' ? 'ask' : 'bid', msg.price, true);
        break;
      case LobsterType.cancelPartial:
        p = this.l3.reduce(msg.orderId, msg.size, at);
        break;
      case LobsterType.executeVisible:
        p = this.l3.reduce(msg.orderId, msg.size, at);
        // Price priority: a visible order only executes at the best price, so nothing rests beyond it.
        if (this.inferFromPriority) this.emptyBeyond(msg.side, msg.price, false);
        break;
      case LobsterType.executeHidden:
        // Displayed orders trade before hidden ones at the same price: none rests at or beyond it.
        if (this.inferFromPriority) this.emptyBeyond(msg.side, msg.price, true);
        break;
      case LobsterType.delete:
        p = this.l3.delete(msg.orderId, { ...at, size: msg.size });
        break;
      default:
        // Hidden executions, cross trades and halts leave the visible book alone.
        break;
    }
    this.keepWindow('bid');
    this.keepWindow('ask');
    if (p) p.at = msg.row;
    return p;
  }

  /**
   * Fill levels the model does not know from the orderbook row (live pipeline only: the file is
   * then the source, not a check). Returns how many levels were filled.
   */
  fillFrom(row: LobsterBookRow): number {
    let filled = 0;
    for (const side of ['bid', 'ask'] as const) {
      for (const [price, size] of side === 'bid' ? row.bids : row.asks) {
        if (this.isKnown(side, price)) continue;
        this.book.set(side, price, size);
        filled++;
      }
    }
    this.setRange(row);
    return filled;
  }

  /** Check every known level against the row (prefix-consistent, nothing known missing). */
  compare(row: LobsterBookRow): RowComparison {
    const knownBids = this.book.depth('bid');
    const knownAsks = this.book.depth('ask');
    const detail = this.diffSide('bid', row.bids) ?? this.diffSide('ask', row.asks);
    return detail ? { matched: false, knownBids, knownAsks, detail } : { matched: true, knownBids, knownAsks };
  }

  private diffSide(side: Side, truth: Array<[Scaled, Scaled]>): string | undefined {
    const n = this.book.depth(side);
    if (n > truth.length) return `${side}: model knows ${n} levels, row has ${truth.length}`;
    for (let i = 0; i < n; i++) {
      const p = this.book.priceAt(side, i)!;
      const s = this.book.sizeAtRank(side, i)!;
      const [tp, ts] = truth[i]!;
      if (p !== tp || s !== ts) return `${side} level ${i + 1}: model ${p}x${s}, row ${tp}x${ts}`;
    }
    const next = truth[n];
    if (next && this.isKnown(side, next[0])) return `${side} level ${n + 1}: row has ${next[0]}x${next[1]} inside the known range, model has nothing`;
    return undefined;
  }

  /**
   * Every price strictly better than `price` (and `price` itself if `inclusive`) is known to
   * hold no visible order, so the known range can grow to reach it.
   */
  private emptyBeyond(side: Side, price: Scaled, inclusive: boolean): void {
    if (side === 'bid') this.bidFloor = Math.min(this.bidFloor, inclusive ? price : price + 1);
    else this.askCeiling = Math.max(this.askCeiling, inclusive ? price : price - 1);
  }

  /**
   * With N known levels, the window ends at the Nth: an add anywhere beyond it would land at
   * position N + 1 and go unreported, so nothing beyond the Nth level stays known (a level
   * pushed to N + 1 by an insert, and empty prices there alike).
   */
  private keepWindow(side: Side): void {
    if (this.book.depth(side) < this.levels) return;
    const nth = this.book.priceAt(side, this.levels - 1)!;
    if (side === 'bid') this.bidFloor = Math.max(this.bidFloor, nth);
    else this.askCeiling = Math.min(this.askCeiling, nth);
    this.book.truncate(this.levels);
  }

  private setRange(row: LobsterBookRow): void {
    // A side with fewer real levels than the file carries is complete: everything is known.
    this.bidFloor = row.bids.length < row.levels ? -Infinity : row.bids[row.levels - 1]![0];
    this.askCeiling = row.asks.length < row.levels ? Infinity : row.asks[row.levels - 1]![0];
  }
}
