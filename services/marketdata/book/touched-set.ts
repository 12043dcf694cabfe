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
  private slots: Float64Array;
  private mask: number;
  private list: Float64Array;
  private count = 0;

  /**
   * `capacity`: prices held before the first growth. Small by default: a publisher drains after
   * every update, so the set rarely holds more than a few prices (a snapshot grows it once).
   */
  constructor(capacity = 8) {
    let size = 16;
    while (size < capacity * 2) size <<= 1;
    // From the thread's arena (arena.ts), like the ladders: no backing store of their own.
    this.slots = levelArena.alloc(size).fill(EMPTY);
    this.mask = size - 1;
    this.list = levelArena.alloc(size >> 1);
  }

  /** Hand the arrays back to the arena; the set must not be used afterwards. */
  release(): void {
    levelArena.release(this.slots);
    levelArena.release(this.list);
    this.count = 0;
  }

  get size(): number {
    return this.count;
  }

  add(price: Scaled): void {
    const slots = this.slots;
    const mask = this.mask;
    // Prices are integers: mix the low and high 32 bits.
    let i = Math.imul((price | 0) ^ ((price / 4294967296) | 0), 0x9e3779b1) & mask;
    for (;;) {
      const s = slots[i]!;
      if (s === price) return;
      if (s !== s) break;
      i = (i + 1) & mask;
    }
    slots[i] = price;
    this.list[this.count++] = price;
    if (this.count * 2 > this.list.length) this.grow();
  }

  /** The k-th distinct price in first-touch order (k < size). */
  at(k: number): Scaled {
    return this.list[k]!;
  }

  /** Empty the set. */
  clear(): void {
    const n = this.count;
    if (n > this.slots.length >> 3) this.slots.fill(EMPTY);
    else for (let k = 0; k < n; k++) this.clearSlot(this.list[k]!);
    this.count = 0;
  }

  /** Distinct prices in first-touch order; the set is empty afterwards. */
  drain(): Scaled[] {
    const out = new Array<Scaled>(this.count);
    for (let k = 0; k < this.count; k++) out[k] = this.list[k]!;
    this.clear();
    return out;
  }

  /** Every price is being removed, so probe chains need no repair: just find and blank each. */
  private clearSlot(price: Scaled): void {
    const slots = this.slots;
    const mask = this.mask;
    let i = Math.imul((price | 0) ^ ((price / 4294967296) | 0), 0x9e3779b1) & mask;
    while (slots[i] !== price) i = (i + 1) & mask;
    slots[i] = EMPTY;
  }

  private reinsert(price: Scaled): void {
    const slots = this.slots;
    const mask = this.mask;
    let i = Math.imul((price | 0) ^ ((price / 4294967296) | 0), 0x9e3779b1) & mask;
    while (slots[i] === slots[i]) i = (i + 1) & mask;
    slots[i] = price;
  }

  private grow(): void {
    const old = this.list;
    const size = this.slots.length * 2;
    levelArena.release(this.slots);
    this.slots = levelArena.alloc(size).fill(EMPTY);
    this.mask = size - 1;
    const list = levelArena.alloc(size >> 1);
    for (let k = 0; k < this.count; k++) list[k] = old[k]!;
    levelArena.release(old);
    this.list = list;
    for (let k = 0; k < this.count; k++) this.reinsert(list[k]!);
  }
}
