// Smoke test only: the benchmark runs and reports coherent numbers. Timing is measured by
// `make bench-book`, never asserted here.
import { formatBookBench, runBookBench } from './book.js';
import { generateL2Stream } from './l2-stream.js';

describe('book benchmark (smoke)', () => {
  it('generates the same stream for the same seed, with deletes and an uncrossed book', () => {
    const a = generateL2Stream({ events: 5000, seed: 7 });
    const b = generateL2Stream({ events: 5000, seed: 7 });
    expect(Buffer.from(a.prices.buffer).equals(Buffer.from(b.prices.buffer))).toBe(true);
    expect(a.deleteShare).toBeGreaterThan(0.1);
    expect(a.deleteShare).toBeLessThan(0.5);
    const c = generateL2Stream({ events: 5000, seed: 8 });
    expect(Buffer.from(a.prices.buffer).equals(Buffer.from(c.prices.buffer))).toBe(false);
  });

  it('replays into both books, which end identical, and reports the contract fields', () => {
    const r = runBookBench({ events: 3000, rounds: 2, warmupEvents: 1000, alternatives: true });
    expect(r.books_agree).toBe(true);
    expect(r.final_depth.bids).toBeGreaterThan(10);
    expect(r.baseline).toMatch(/^ccxt OrderBook \d+\.\d+\.\d+$/);
    for (const x of [r.dsm_updates_per_s, r.baseline_updates_per_s, r.ratio, r.dsm_with_deltas_updates_per_s]) expect(x).toBeGreaterThan(0);
    expect(r.dsm_rounds_per_s).toHaveLength(2);
    expect(r.alternatives?.naive_map_sort_with_top10_reads_per_s).toBeGreaterThan(0);
    expect(r.alternatives?.dense_grid_with_top10_reads_per_s).toBeGreaterThan(0);
    expect(r.alternatives?.reads_agree).toBe(true);
    expect(formatBookBench(r)).toMatch(/ratio\s+[\d.]+x/);
  });
});
