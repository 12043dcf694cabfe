/**
 * The set of prices changed since the last delta drain: an open-addressing hash set over a
 * Float64Array plus an insertion-ordered list. Adding a price costs a hash and a probe or two,
 * with no allocation, so recording deltas stays cheap even when nobody drains them for a while.
 */
import type { Scaled } from '../events.js';
import { levelArena } from './arena.js';

/** Empty slot marker: prices are never NaN, and `x !== x` tests for it without a call. */
const EMPTY = Number.NaN;

export class TouchedSet {
  /**
   * One arena region (arena.ts) of 2 * `size` doubles in `buf`: the hash slots at [so, so + size),
   * then the insertion-ordered list at [lo, lo + size / 2). No arrays of its own on the heap.
   */
  private buf: Float64Array;
  private so: number;
  private lo: number;
  private slotCount: number;
  private address: number;
  private mask: number;
  private count = 0;

  /**
   * `capacity`: prices held before the first growth. Small by default: a publisher drains after
   * every update, so the set rarely holds more than a few prices (a snapshot grows it once).
   */
  constructor(capacity = 8) {
    let size = 16;
    while (size < capacity * 2) size <<= 1;
    this.address = levelArena.alloc(2 * size);
    this.buf = levelArena.chunkOf(this.address);
    this.so = levelArena.offsetOf(this.address);
    this.lo = this.so + size;
    this.slotCount = size;
    this.mask = size - 1;
    this.buf.fill(EMPTY, this.so, this.so + size);
  }

  /** Hand the region back to the arena; the set must not be used afterwards. */
  release(): void {
    if (this.slotCount > 0) levelArena.release(this.address, 2 * this.slotCount);
    this.slotCount = 0;
    this.count = 0;
  }

  get size(): number {
    return this.count;
  }

  add(price: Scaled): void {
    const buf = this.buf;
    const so = this.so;
    const mask = this.mask;
    // Prices are integers: mix the low and high 32 bits.
    let i = Math.imul((price | 0) ^ ((price / 4294967296) | 0), 0x9e3779b1) & mask;
    for (;;) {
      const s = buf[so + i]!;
      if (s === price) return;
      if (s !== s) break;
      i = (i + 1) & mask;
    }
    buf[so + i] = price;
    buf[this.lo + this.count++] = price;
    if (this.count * 4 > this.slotCount) this.grow();
  }

  /** The k-th distinct price in first-touch order (k < size). */
  at(k: number): Scaled {
    return this.buf[this.lo + k]!;
  }

  /** Empty the set. */
  clear(): void {
    const n = this.count;
    if (n > this.slotCount >> 3) this.buf.fill(EMPTY, this.so, this.so + this.slotCount);
    else for (let k = 0; k < n; k++) this.clearSlot(this.buf[this.lo + k]!);
    this.count = 0;
  }

  /** Distinct prices in first-touch order; the set is empty afterwards. */
  drain(): Scaled[] {
    const out = new Array<Scaled>(this.count);
    for (let k = 0; k < this.count; k++) out[k] = this.buf[this.lo + k]!;
    this.clear();
    return out;
  }

  /** Every price is being removed, so probe chains need no repair: just find and blank each. */
  private clearSlot(price: Scaled): void {
    const buf = this.buf;
    const so = this.so;
    const mask = this.mask;
    let i = Math.imul((price | 0) ^ ((price / 4294967296) | 0), 0x9e3779b1) & mask;
    while (buf[so + i] !== price) i = (i + 1) & mask;
    buf[so + i] = EMPTY;
  }

  private reinsert(price: Scaled): void {
    const buf = this.buf;
    const so = this.so;
    const mask = this.mask;
    let i = Math.imul((price | 0) ^ ((price / 4294967296) | 0), 0x9e3779b1) & mask;
    while (buf[so + i] === buf[so + i]) i = (i + 1) & mask;
    buf[so + i] = price;
  }

  private grow(): void {
    const size = Math.max(16, this.slotCount * 2);
    const address = levelArena.alloc(2 * size);
    const buf = levelArena.chunkOf(address);
    const so = levelArena.offsetOf(address);
    const lo = so + size;
    buf.fill(EMPTY, so, so + size);
    for (let k = 0; k < this.count; k++) buf[lo + k] = this.buf[this.lo + k]!;
    if (this.slotCount > 0) levelArena.release(this.address, 2 * this.slotCount);
    this.address = address;
    this.buf = buf;
    this.so = so;
    this.lo = lo;
    this.slotCount = size;
    this.mask = size - 1;
    for (let k = 0; k < this.count; k++) this.reinsert(buf[lo + k]!);
  }
}
