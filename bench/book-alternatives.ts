/**
 * The book structures the DSM ladder was chosen over, timed on the same stream with the reads an
 * emitter does (top 10 of both sides after every 10 updates):
 * - a naive Map per side, sorted whenever the top is read;
 * - a dense price-indexed grid around the opening mid (sizes by tick, best price tracked, a Map
 *   for prices outside the grid), the other common "fast book" design.
 * Bench-only code: it exists to measure the choice, not to be used.
 */
import { L2Book } from '../services/marketdata/book/l2-book.js';
import type { Scaled } from '../services/marketdata/events.js';
import type { L2Stream } from './l2-stream.js';

interface TopReadable {
  set(side: 0 | 1, price: Scaled, size: Scaled): void;
  top(side: 0 | 1, n: number): Array<[Scaled, Scaled]>;
}

export class MapSortBook implements TopReadable {
  private readonly sides = [new Map<Scaled, Scaled>(), new Map<Scaled, Scaled>()] as const;
  set(side: 0 | 1, price: Scaled, size: Scaled): void {
    if (size === 0) this.sides[side].delete(price);
    else this.sides[side].set(price, size);
  }
  top(side: 0 | 1, n: number): Array<[Scaled, Scaled]> {
    const levels = [...this.sides[side]];
    levels.sort(side === 0 ? (a, b) => b[0] - a[0] : (a, b) => a[0] - b[0]);
    return levels.slice(0, n);
  }
}

/** One side of a dense grid: sizes by tick offset from `base`, best index tracked. */
class GridSide {
  readonly sizes: Float64Array;
  best = -1;
  private readonly overflow = new Map<Scaled, Scaled>();
  constructor(
    private readonly base: number,
    width: number,
    /** +1 bids (best = highest index), -1 asks (best = lowest index). */
    private readonly dir: 1 | -1,
  ) {
    this.sizes = new Float64Array(width);
  }
  set(price: Scaled, size: Scaled): void {
    const i = price - this.base;
    if (i < 0 || i >= this.sizes.length) {
      if (size === 0) this.overflow.delete(price);
      else this.overflow.set(price, size);
      return;
    }
    this.sizes[i] = size;
    if (size > 0) {
      if (this.best < 0 || (this.dir === 1 ? i > this.best : i < this.best)) this.best = i;
    } else if (i === this.best) {
      this.best = this.nextFrom(i);
    }
  }
  /** Walk away from the touch to the next non-empty tick. */
  private nextFrom(i: number): number {
    const s = this.sizes;
    for (let j = i - this.dir; j >= 0 && j < s.length; j -= this.dir) if (s[j]! > 0) return j;
    return -1;
  }
  top(n: number): Array<[Scaled, Scaled]> {
    const out: Array<[Scaled, Scaled]> = [];
    const s = this.sizes;
    for (let j = this.best; j >= 0 && j < s.length && out.length < n; j -= this.dir) if (s[j]! > 0) out.push([this.base + j, s[j]!]);
    // Outside the grid only matters when the grid runs dry; the benchmark stream stays inside.
    return out;
  }
}

export class DenseGridBook implements TopReadable {
  private readonly sides: [GridSide, GridSide];
  constructor(mid: Scaled, halfWidthTicks = 4096) {
    this.sides = [new GridSide(mid - halfWidthTicks, halfWidthTicks * 2, 1), new GridSide(mid - halfWidthTicks, halfWidthTicks * 2, -1)];
  }
  set(side: 0 | 1, price: Scaled, size: Scaled): void {
    this.sides[side].set(price, size);
  }
  top(side: 0 | 1, n: number): Array<[Scaled, Scaled]> {
    return this.sides[side].top(n);
  }
}

/** The DSM book behind the same interface. */
class LadderBook implements TopReadable {
  private readonly book = new L2Book('BENCH', 'BTC-USD', { priceDecimals: 2, sizeDecimals: 0 });
  set(side: 0 | 1, price: Scaled, size: Scaled): void {
    this.book.set(side === 0 ? 'bid' : 'ask', price, size);
  }
  top(side: 0 | 1, n: number): Array<[Scaled, Scaled]> {
    return this.book.top(side === 0 ? 'bid' : 'ask', n);
  }
}

export type AlternativeKind = 'ladder' | 'grid' | 'map';

/**
 * The same stream with levels `spacing` price units apart instead of 1: what a venue quoting at
 * 8 decimals with a coarser effective tick looks like to a structure indexed by price unit.
 */
export function spreadPrices(s: L2Stream, spacing: number): L2Stream & { spacing: number } {
  const prices = new Float64Array(s.length);
  for (let i = 0; i < s.length; i++) prices[i] = s.startMid + (s.prices[i]! - s.startMid) * spacing;
  return { ...s, prices, spacing };
}

function make(kind: AlternativeKind, s: L2Stream & { spacing?: number }): TopReadable {
  if (kind === 'ladder') return new LadderBook();
  if (kind === 'grid') return new DenseGridBook(s.startMid, 4096 * (s.spacing ?? 1));
  return new MapSortBook();
}

/** Updates per second with a top-10 read of both sides after every 10 updates; checks the reads agree. */
export function replayWithReads(s: L2Stream & { spacing?: number }, n: number, kind: AlternativeKind): { perSecond: number; lastTop: Array<[Scaled, Scaled]> } {
  const { sides, prices, sizes } = s;
  const book = make(kind, s);
  let sink = 0;
  let lastTop: Array<[Scaled, Scaled]> = [];
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    book.set(sides[i] as 0 | 1, prices[i]!, sizes[i]!);
    if (i % 10 === 9) {
      lastTop = book.top(0, 10);
      sink += lastTop.length + book.top(1, 10).length;
    }
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (sink === 0) throw new Error('reads returned nothing');
  return { perSecond: n / seconds, lastTop };
}
