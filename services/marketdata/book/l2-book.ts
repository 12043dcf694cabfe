/**
 * L2 (price-level) order book for one symbol. Owned by exactly one thread of control: no locks,
 * no I/O. Prices and sizes are exact scaled integers (see events.ts).
 *
 * Besides the book itself it records which prices changed, so an emitter can publish
 * incremental deltas (`takeDeltas`) instead of the whole book after every message.
 */
import { formatScaled } from '../decimal.js';
import type { LevelChange, PriceFormat, Scaled, Side } from '../events.js';
import { Ladder } from './ladder.js';

export class L2Book {
  private readonly bids: Ladder;
  private readonly asks: Ladder;

  constructor(
    readonly exchange: string,
    readonly symbol: string,
    readonly format: PriceFormat,
    capacityHint = 64,
    /**
     * false: the book never records changed prices (takeDeltas/drainDeltas yield nothing). For
     * owners that only read the book (a subscriber's mirror) or that know what changed (the publish
     * engine, from the update's changes; publish-engine.ts ChangeList): no touched-price set per side
     * to allocate on a book's first message, and no set insert per level change.
     */
    trackDeltas = true,
  ) {
    this.bids = new Ladder(1, capacityHint, trackDeltas);
    this.asks = new Ladder(-1, capacityHint, trackDeltas);
  }

  /**
   * Hand the book's arrays back to this thread's level arena (arena.ts) when the owner drops the
   * book for good; the book must not be used afterwards. Optional: a book simply forgotten is
   * collected like any object, its arena space is then only reused once its chunk is.
   */
  release(): void {
    this.bids.release();
    this.asks.release();
  }

  /** Empty the book. Every removed level shows up in the next `takeDeltas` as size 0. */
  clear(): void {
    this.bids.clear();
    this.asks.clear();
  }

  /** Set aggregate size at price (size 0 deletes). Returns true if the book changed. */
  set(side: Side, price: Scaled, size: Scaled): boolean {
    return (side === 'bid' ? this.bids : this.asks).set(price, size);
  }

  /**
   * Add `delta` (may be negative) to the aggregate size at price: what order-based books do.
   * Returns the new size; a negative result (more removed than was there) leaves the level
   * deleted, and the caller reports the inconsistency.
   */
  adjust(side: Side, price: Scaled, delta: Scaled): Scaled {
    return (side === 'bid' ? this.bids : this.asks).adjust(price, delta);
  }

  /** Replace the whole book. Deltas then describe the difference from the previous book. */
  applySnapshot(bids: Array<[Scaled, Scaled]>, asks: Array<[Scaled, Scaled]>): void {
    this.clear();
    // Best first, as snapshots list them: one pass per side (Ladder.setMany).
    this.bids.setMany(bids.length, (i) => bids[i]![0], (i) => bids[i]![1]);
    this.asks.setMany(asks.length, (i) => asks[i]![0], (i) => asks[i]![1]);
  }

  /**
   * Set the levels prices[i] / sizes[i] for i in [from, to) on one side: the same as `set` on
   * each in turn, in one pass when they come best first below the side's worst level (the later
   * parts of a multi-part snapshot).
   */
  setLevels(side: Side, prices: ArrayLike<Scaled>, sizes: ArrayLike<Scaled>, from: number, to: number): void {
    (side === 'bid' ? this.bids : this.asks).setMany(to - from, (i) => prices[from + i]!, (i) => sizes[from + i]!);
  }

  /** Size at price, 0 if none. */
  sizeAt(side: Side, price: Scaled): Scaled {
    return this.ladder(side).sizeAt(price);
  }

  bestBid(): [Scaled, Scaled] | undefined {
    const l = this.bids;
    return l.count > 0 ? [l.priceAtRank(0), l.sizeAtRank(0)] : undefined;
  }

  bestAsk(): [Scaled, Scaled] | undefined {
    const l = this.asks;
    return l.count > 0 ? [l.priceAtRank(0), l.sizeAtRank(0)] : undefined;
  }

  /** Number of levels on a side. */
  depth(side: Side): number {
    return this.ladder(side).count;
  }

  /** Price of the level `rank` places below the best (0 = best), undefined past the end. */
  priceAt(side: Side, rank: number): Scaled | undefined {
    const l = this.ladder(side);
    return rank >= 0 && rank < l.count ? l.priceAtRank(rank) : undefined;
  }

  /** Size of the level `rank` places below the best, undefined past the end. */
  sizeAtRank(side: Side, rank: number): Scaled | undefined {
    const l = this.ladder(side);
    return rank >= 0 && rank < l.count ? l.sizeAtRank(rank) : undefined;
  }

  /** Top n levels, best first, as [price, size] pairs (scaled). */
  top(side: Side, n: number): Array<[Scaled, Scaled]> {
    return this.ladder(side).top(n);
  }

  /** Remove levels beyond the best `n` on each side (Kraken depth truncation). */
  truncate(n: number): void {
    this.bids.truncate(n);
    this.asks.truncate(n);
  }

  /** True when the best bid is at or above the best ask (a sign of a missed update). */
  isCrossed(): boolean {
    return this.bids.count > 0 && this.asks.count > 0 && this.bids.priceAtRank(0) >= this.asks.priceAtRank(0);
  }

  /**
   * Changes since the last call (one entry per touched price, with its current size; 0 means
   * deleted), bids first, then resets the delta set. Applying them to a mirror of the book as
   * it was at the previous call reproduces this book exactly.
   */
  takeDeltas(): LevelChange[] {
    const out: LevelChange[] = [];
    this.bids.drainChanges('bid', out);
    this.asks.drainChanges('ask', out);
    return out;
  }

  /** How many changes the next drain of `side` will hand out (its touched prices). */
  pendingDeltas(side: Side): number {
    return (side === 'bid' ? this.bids : this.asks).pendingChanges;
  }

  /**
   * The same changes as `takeDeltas`, handed to `visit` one by one without allocating (for an
   * encoder that writes them straight into a buffer). Returns how many there were.
   */
  drainDeltas(visit: (side: Side, price: Scaled, size: Scaled) => void): number {
    return this.bids.drainVisit('bid', visit) + this.asks.drainVisit('ask', visit);
  }

  /** Both sides, best first, optionally limited to `depth` levels each. */
  snapshot(depth = Infinity): { bids: Array<[Scaled, Scaled]>; asks: Array<[Scaled, Scaled]> } {
    return { bids: this.bids.top(depth), asks: this.asks.top(depth) };
  }

  private ladder(side: Side): Ladder {
    return side === 'bid' ? this.bids : this.asks;
  }
}

/** Levels as decimal strings in the exchange's own format: [["0.35210000","672.00000000"], ...]. */
export function formatLevels(levels: Array<[Scaled, Scaled]>, format: PriceFormat): Array<[string, string]> {
  return levels.map(([p, s]) => [formatScaled(p, format.priceDecimals), formatScaled(s, format.sizeDecimals)]);
}
