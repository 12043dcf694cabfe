/**
 * A deterministic, realistic L2 update stream for book benchmarks: a mid price random walk,
 * updates concentrated near the top of each side (exponential distance from the touch, plus a
 * thin tail of deep updates), deletes, and the deletes a moving mid forces on the side it
 * walks into, so the book never crosses. Generation is not timed; replay is.
 */

/** Small, fast, seedable PRNG (mulberry32): same seed, same stream on every machine. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface L2Stream {
  /** 0 = bid, 1 = ask. */
  sides: Uint8Array;
  /** Scaled integer prices (ticks of 0.01 at 2 decimals). */
  prices: Float64Array;
  /** Scaled integer sizes; 0 deletes the level. */
  sizes: Float64Array;
  length: number;
  /** Fraction of updates that delete a level. */
  deleteShare: number;
  /** Distinct price levels touched. */
  distinctPrices: number;
  /** The mid price the walk starts from. */
  startMid: number;
}

export interface L2StreamOptions {
  events: number;
  seed?: number;
  /** Mean distance from the touch, in ticks, of ordinary updates. */
  meanDepthTicks?: number;
  /** Share of updates spread uniformly over the deep book. */
  deepShare?: number;
  /** Depth of the deep book, in ticks. */
  maxDepthTicks?: number;
}

export function generateL2Stream(opts: L2StreamOptions): L2Stream {
  const n = opts.events;
  const rand = mulberry32(opts.seed ?? 42);
  const meanDepth = opts.meanDepthTicks ?? 6;
  const deepShare = opts.deepShare ?? 0.05;
  const maxDepth = opts.maxDepthTicks ?? 400;
  const sides = new Uint8Array(n);
  const prices = new Float64Array(n);
  const sizes = new Float64Array(n);
  // Generation state: which levels exist, so deletes target real levels and the book stays uncrossed.
  const live = [new Map<number, number>(), new Map<number, number>()] as const;
  const touched = new Set<number>();
  const startMid = 10_000_000; // 100000.00 at 2 decimals
  let mid = startMid;
  let i = 0;
  let deletes = 0;
  const emit = (side: 0 | 1, price: number, size: number) => {
    if (i >= n) return;
    sides[i] = side;
    prices[i] = price;
    sizes[i] = size;
    i++;
    if (size === 0) {
      deletes++;
      live[side].delete(price);
    } else {
      live[side].set(price, size);
    }
    touched.add(side * 1e12 + price);
  };
  while (i < n) {
    // Occasionally the mid walks one tick; levels it walks over are deleted first.
    if (rand() < 0.02) {
      const up = rand() < 0.5;
      mid += up ? 1 : -1;
      const side: 0 | 1 = up ? 1 : 0;
      const edge = up ? mid : mid;
      for (const p of [...live[side].keys()]) {
        if (up ? p <= edge : p >= edge) emit(side, p, 0);
      }
      continue;
    }
    const side: 0 | 1 = rand() < 0.5 ? 0 : 1;
    const dist = rand() < deepShare ? 1 + Math.floor(rand() * maxDepth) : 1 + Math.floor(-Math.log(1 - rand()) * meanDepth);
    const price = side === 0 ? mid - dist : mid + dist;
    const exists = live[side].has(price);
    // Existing levels: 35% deleted, else resized. Missing levels: added.
    if (exists && rand() < 0.35) emit(side, price, 0);
    else emit(side, price, 1 + Math.floor(rand() * 5000));
  }
  return { sides, prices, sizes, length: n, deleteShare: deletes / n, distinctPrices: touched.size, startMid };
}
