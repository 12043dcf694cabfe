/**
 * One side of an L2 book: a sorted ladder of price levels in parallel typed arrays.
 *
 * Levels are kept sorted by `key` ascending with the BEST level at the END of the arrays
 * (bids: key = price, asks: key = -price). Most updates land near the top of the book, so
 * lookups scan a few slots back from the end before falling back to binary search, and an
 * insert or delete near the top moves only the handful of levels above it.
 * bench/book-alternatives.ts measures this layout against a Map + sort and a dense price grid.
 */
import type { LevelChange, Scaled, Side } from '../events.js';
import { F64Arena, levelArena } from './arena.js';
import { TouchedSet } from './touched-set.js';

/** Levels to scan linearly from the top before switching to binary search. */
const TOP_SCAN = 8;
/** Moves shorter than this use a plain loop: cheaper than a native copyWithin call. */
const SHORT_MOVE = 16;
/** What a released ladder holds (any use after release finds no room and no levels). */
const EMPTY = new Float64Array(0);

export class Ladder {
  /**
   * The arena chunk holding this ladder's region (arena.ts): sort keys (price * sign, ascending;
   * the key at `ko + count - 1` is the best level) at [ko, ko + cap), sizes at [so, so + cap).
   * Offsets into a shared chunk rather than arrays of their own: a new book puts no level
   * storage on the heap.
   */
  private buf: Float64Array;
  private ko: number;
  private so: number;
  private cap: number;
  /** The region's arena address (`alloc(2 * cap)`), to give it back. */
  private address: number;
  count = 0;
  /** Prices changed since the last drain; undefined when the owner never asks (a mirror). */
  private readonly touched: TouchedSet | undefined;

  constructor(
    /** +1 for bids (higher is better), -1 for asks (lower is better). */
    readonly sign: 1 | -1,
    capacity: number,
    trackChanges = true,
  ) {
    this.touched = trackChanges ? new TouchedSet() : undefined;
    const cap = F64Arena.classOf(2 * Math.max(4, capacity | 0)) >> 1;
    this.address = levelArena.alloc(2 * cap);
    this.buf = levelArena.chunkOf(this.address);
    this.ko = levelArena.offsetOf(this.address);
    this.so = this.ko + cap;
    this.cap = cap;
  }

  /** Hand the region back to the arena; the ladder must not be used afterwards. */
  release(): void {
    if (this.buf !== EMPTY) levelArena.release(this.address, 2 * this.cap);
    this.touched?.release();
    this.buf = EMPTY;
    this.ko = 0;
    this.so = 0;
    this.cap = 0;
    this.count = 0;
  }

  /** Index of `key` if present, else the bitwise complement of its insertion point. */
  find(key: number): number {
    const buf = this.buf;
    const ko = this.ko;
    let i = this.count - 1;
    const stop = i - TOP_SCAN < 0 ? 0 : i - TOP_SCAN;
    while (i >= stop && buf[ko + i]! > key) i--;
    if (i >= stop) return buf[ko + i] === key ? i : ~(i + 1);
    // Everything from `stop` up is above the key: binary search below it.
    let lo = 0;
    let hi = stop;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (buf[ko + mid]! < key) lo = mid + 1;
      else hi = mid;
    }
    return lo < stop && buf[ko + lo] === key ? lo : ~lo;
  }

  /** Set the aggregate size at `price` (0 deletes). Returns true if the ladder changed. */
  set(price: Scaled, size: Scaled): boolean {
    if (!(size >= 0)) throw new RangeError(`size must be >= 0, got ${size}`);
    const key = price * this.sign;
    const i = this.find(key);
    if (i >= 0) {
      const at = this.so + i;
      if (size === this.buf[at]) return false;
      if (size === 0) this.removeAt(i);
      else this.buf[at] = size;
    } else {
      if (size === 0) return false;
      this.insertAt(~i, key, size);
    }
    this.touch(price);
    return true;
  }

  /**
   * Set many levels: the same book and the same touched prices as `set` on each in turn (a
   * size-0 level deletes). `price(i)` and `size(i)` for i in [0, n). In one pass when the levels
   * come best first and all lie below the ladder's worst level, as a snapshot does into an empty
   * ladder and a snapshot's later parts do: the ladder keeps its best level at the end, so one
   * `set` per level would move every level already there, each time (a 100,000-level side took
   * 2.8 s; a Coinbase BTC-USD snapshot is tens of thousands). Otherwise level by level. A bad size
   * throws before anything changes.
   */
  setMany(n: number, price: (i: number) => Scaled, size: (i: number) => Scaled): void {
    let added = 0;
    let sorted = true;
    const sign = this.sign;
    // Below every level held: keys (price * sign) under the lowest key.
    let bound = this.count > 0 ? this.buf[this.ko]! : Infinity;
    for (let i = 0; i < n; i++) {
      const sz = size(i);
      if (!(sz >= 0)) throw new RangeError(`size must be >= 0, got ${sz}`);
      // Every level, deletes included: a delete below every level held deletes nothing.
      const key = price(i) * sign;
      if (!(key < bound)) sorted = false;
      bound = key;
      if (sz !== 0) added++;
    }
    if (!sorted) {
      for (let i = 0; i < n; i++) this.set(price(i), size(i));
      return;
    }
    if (added === 0) return;
    const total = this.count + added;
    if (total > this.cap) this.growTo(total);
    const { buf, ko, so } = this;
    // Make room at the bottom, then fill it worst level first (the input is best first).
    buf.copyWithin(ko + added, ko, ko + this.count);
    buf.copyWithin(so + added, so, so + this.count);
    let at = added - 1;
    for (let i = 0; i < n; i++) {
      const sz = size(i);
      if (sz === 0) continue;
      const p = price(i);
      buf[ko + at] = p * sign;
      buf[so + at] = sz;
      at--;
      this.touch(p);
    }
    this.count = total;
  }

  /**
   * Add `delta` (may be negative) to the size at `price` with one lookup. Returns the
   * unclamped result; a negative result leaves the level deleted and tells the caller its
   * accounting was off.
   */
  adjust(price: Scaled, delta: Scaled): Scaled {
    if (delta === 0) return this.sizeAt(price);
    const key = price * this.sign;
    const i = this.find(key);
    const next = (i >= 0 ? this.buf[this.so + i]! : 0) + delta;
    if (i >= 0) {
      if (next <= 0) this.removeAt(i);
      else this.buf[this.so + i] = next;
    } else if (next > 0) {
      this.insertAt(~i, key, next);
    } else {
      return next;
    }
    this.touch(price);
    return next;
  }

  sizeAt(price: Scaled): Scaled {
    const i = this.find(price * this.sign);
    return i >= 0 ? this.buf[this.so + i]! : 0;
  }

  /** Price of the level `rank` places from the best (0 = best). Caller checks rank < count. */
  priceAtRank(rank: number): Scaled {
    return this.buf[this.ko + this.count - 1 - rank]! * this.sign;
  }

  sizeAtRank(rank: number): Scaled {
    return this.buf[this.so + this.count - 1 - rank]!;
  }

  top(n: number): Array<[Scaled, Scaled]> {
    const m = Math.min(n, this.count);
    const out = new Array<[Scaled, Scaled]>(m);
    for (let r = 0; r < m; r++) out[r] = [this.priceAtRank(r), this.sizeAtRank(r)];
    return out;
  }

  /** Remove every level; each removed price counts as touched (a mirror must delete it too). */
  clear(): void {
    for (let i = 0; i < this.count; i++) this.touch(this.buf[this.ko + i]! * this.sign);
    this.count = 0;
  }

  /** Keep only the best `n` levels. */
  truncate(n: number): void {
    const drop = this.count - Math.max(0, n);
    if (drop <= 0) return;
    const { buf, ko, so } = this;
    for (let i = 0; i < drop; i++) this.touch(buf[ko + i]! * this.sign);
    buf.copyWithin(ko, ko + drop, ko + this.count);
    buf.copyWithin(so, so + drop, so + this.count);
    this.count -= drop;
  }

  /** Prices touched since the last drain. */
  get pendingChanges(): number {
    return this.touched === undefined ? 0 : this.touched.size;
  }

  /** Call `visit` once per touched price with its current size (0 if gone), then forget them. */
  drainVisit(side: Side, visit: (side: Side, price: Scaled, size: Scaled) => void): number {
    const t = this.touched;
    if (t === undefined) return 0;
    const n = t.size;
    for (let k = 0; k < n; k++) {
      const price = t.at(k);
      visit(side, price, this.sizeAt(price));
    }
    t.clear();
    return n;
  }

  /** Append one change per touched price (its current size, 0 if gone), then forget them. */
  drainChanges(side: Side, out: LevelChange[]): void {
    const t = this.touched;
    if (t === undefined) return;
    for (let k = 0, n = t.size; k < n; k++) {
      const price = t.at(k);
      out.push({ side, price, size: this.sizeAt(price) });
    }
    t.clear();
  }

  private touch(price: Scaled): void {
    if (this.touched !== undefined) this.touched.add(price);
  }

  private insertAt(pos: number, key: number, size: Scaled): void {
    if (this.count === this.cap) this.grow();
    const { buf, ko, so } = this;
    const n = this.count;
    if (n - pos < SHORT_MOVE) {
      for (let j = n; j > pos; j--) {
        buf[ko + j] = buf[ko + j - 1]!;
        buf[so + j] = buf[so + j - 1]!;
      }
    } else {
      buf.copyWithin(ko + pos + 1, ko + pos, ko + n);
      buf.copyWithin(so + pos + 1, so + pos, so + n);
    }
    buf[ko + pos] = key;
    buf[so + pos] = size;
    this.count = n + 1;
  }

  private removeAt(pos: number): void {
    const { buf, ko, so } = this;
    const n = this.count - 1;
    if (n - pos < SHORT_MOVE) {
      for (let j = pos; j < n; j++) {
        buf[ko + j] = buf[ko + j + 1]!;
        buf[so + j] = buf[so + j + 1]!;
      }
    } else {
      buf.copyWithin(ko + pos, ko + pos + 1, ko + n + 1);
      buf.copyWithin(so + pos, so + pos + 1, so + n + 1);
    }
    this.count = n;
  }

  private grow(): void {
    this.growTo(Math.max(4, this.cap * 2));
  }

  /** Room for at least `levels` levels (capacities stay powers of two up to the arena's largest class). */
  private growTo(levels: number): void {
    let cap = Math.max(4, this.cap);
    while (cap < levels) cap *= 2;
    const address = levelArena.alloc(2 * cap);
    const buf = levelArena.chunkOf(address);
    const ko = levelArena.offsetOf(address);
    const so = ko + cap;
    const n = this.count;
    const old = this.buf;
    for (let i = 0; i < n; i++) {
      buf[ko + i] = old[this.ko + i]!;
      buf[so + i] = old[this.so + i]!;
    }
    // The old region goes back to the arena for the next ladder of its size.
    if (this.buf !== EMPTY) levelArena.release(this.address, 2 * this.cap);
    this.address = address;
    this.buf = buf;
    this.ko = ko;
    this.so = so;
    this.cap = cap;
  }
}
