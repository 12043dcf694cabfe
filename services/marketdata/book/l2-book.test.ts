import fc from 'fast-check';
import type { LevelChange, Scaled, Side } from '../events.js';
import { L2Book, formatLevels } from './l2-book.js';

const FMT = { priceDecimals: 2, sizeDecimals: 3 };
const book = () => new L2Book('TEST', 'ABC', FMT, 4);

/** Reference model: plain Maps, sorted on demand. */
class MapBook {
  bid = new Map<number, number>();
  ask = new Map<number, number>();
  set(side: Side, p: number, s: number) {
    if (s === 0) this[side].delete(p);
    else this[side].set(p, s);
  }
  top(side: Side, n: number): Array<[Scaled, Scaled]> {
    const lv = [...this[side].entries()].sort((a, b) => (side === 'bid' ? b[0] - a[0] : a[0] - b[0]));
    return lv.slice(0, n);
  }
  truncate(n: number) {
    for (const side of ['bid', 'ask'] as const) {
      const keep = new Set(this.top(side, n).map(([p]) => p));
      for (const p of [...this[side].keys()]) if (!keep.has(p)) this[side].delete(p);
    }
  }
  apply(deltas: LevelChange[]) {
    for (const d of deltas) this.set(d.side, d.price, d.size);
  }
}

describe('L2Book', () => {
  it('keeps bids descending and asks ascending, best first', () => {
    const b = book();
    for (const p of [100, 103, 101, 99, 102]) b.set('bid', p, p * 10);
    for (const p of [110, 105, 108, 106]) b.set('ask', p, 1);
    expect(b.top('bid', 10)).toEqual([[103, 1030], [102, 1020], [101, 1010], [100, 1000], [99, 990]]);
    expect(b.top('ask', 2)).toEqual([[105, 1], [106, 1]]);
    expect(b.bestBid()).toEqual([103, 1030]);
    expect(b.bestAsk()).toEqual([105, 1]);
    expect(b.depth('bid')).toBe(5);
    expect(b.depth('ask')).toBe(4);
    expect(b.priceAt('bid', 4)).toBe(99);
    expect(b.priceAt('bid', 5)).toBeUndefined();
    expect(b.sizeAtRank('ask', 1)).toBe(1);
    expect(b.isCrossed()).toBe(false);
  });

  it('updates, deletes, and reports whether anything changed', () => {
    const b = book();
    expect(b.set('bid', 100, 5)).toBe(true);
    expect(b.set('bid', 100, 5)).toBe(false);
    expect(b.set('bid', 100, 7)).toBe(true);
    expect(b.sizeAt('bid', 100)).toBe(7);
    expect(b.sizeAt('ask', 100)).toBe(0);
    expect(b.set('bid', 100, 0)).toBe(true);
    expect(b.set('bid', 100, 0)).toBe(false);
    expect(b.set('ask', 50, 0)).toBe(false);
    expect(b.depth('bid')).toBe(0);
    expect(b.bestBid()).toBeUndefined();
    expect(() => b.set('bid', 1, -1)).toThrow(RangeError);
    expect(() => b.set('bid', 1, Number.NaN)).toThrow(RangeError);
  });

  it('adjust adds to a level, deletes at zero, and reports over-removal', () => {
    const b = book();
    expect(b.adjust('ask', 10, 5)).toBe(5);
    expect(b.adjust('ask', 10, 3)).toBe(8);
    expect(b.adjust('ask', 10, -8)).toBe(0);
    expect(b.depth('ask')).toBe(0);
    expect(b.adjust('ask', 10, -2)).toBe(-2);
    expect(b.depth('ask')).toBe(0);
    b.adjust('bid', 7, 4);
    expect(b.adjust('bid', 7, -6)).toBe(-2);
    expect(b.depth('bid')).toBe(0);
    expect(b.takeDeltas()).toEqual([{ side: 'bid', price: 7, size: 0 }, { side: 'ask', price: 10, size: 0 }]);
  });

  it('grows past its capacity hint and deep levels stay sorted', () => {
    const b = book();
    for (let p = 1; p <= 1000; p++) b.set('ask', (p * 7919) % 1009, p);
    const asks = b.top('ask', 2000);
    expect(asks.length).toBe(1000);
    for (let i = 1; i < asks.length; i++) expect(asks[i]![0]).toBeGreaterThan(asks[i - 1]![0]);
  });

  it('truncates to the best n on each side', () => {
    const b = book();
    for (let p = 1; p <= 30; p++) {
      b.set('bid', p, 1);
      b.set('ask', 100 + p, 1);
    }
    b.truncate(3);
    expect(b.snapshot()).toEqual({ bids: [[30, 1], [29, 1], [28, 1]], asks: [[101, 1], [102, 1], [103, 1]] });
    b.truncate(10);
    expect(b.depth('bid')).toBe(3);
  });

  it('applySnapshot replaces the book; snapshot(depth) limits levels', () => {
    const b = book();
    b.set('bid', 1, 1);
    b.applySnapshot([[10, 1], [12, 2]], [[15, 3], [14, 4]]);
    expect(b.snapshot()).toEqual({ bids: [[12, 2], [10, 1]], asks: [[14, 4], [15, 3]] });
    expect(b.snapshot(1)).toEqual({ bids: [[12, 2]], asks: [[14, 4]] });
  });

  it('deltas are deduplicated, carry the current size, and reset after taking', () => {
    const b = book();
    b.set('bid', 100, 1);
    b.set('bid', 100, 2);
    b.set('ask', 101, 3);
    b.set('bid', 99, 4);
    b.set('bid', 99, 0);
    expect(b.takeDeltas()).toEqual([
      { side: 'bid', price: 100, size: 2 },
      { side: 'bid', price: 99, size: 0 },
      { side: 'ask', price: 101, size: 3 },
    ]);
    expect(b.takeDeltas()).toEqual([]);
    b.set('ask', 101, 3); // no change, no delta
    expect(b.takeDeltas()).toEqual([]);
    b.clear();
    expect(b.takeDeltas()).toEqual([
      { side: 'bid', price: 100, size: 0 },
      { side: 'ask', price: 101, size: 0 },
    ]);
  });

  it('drainDeltas visits the same changes as takeDeltas, without building them', () => {
    const a = book();
    const b = book();
    for (const x of [a, b]) {
      x.set('bid', 100, 1);
      x.set('ask', 105, 2);
      x.set('bid', 100, 3);
      x.set('ask', 106, 1);
      x.set('ask', 106, 0);
    }
    const seen: unknown[] = [];
    expect(b.drainDeltas((side, price, size) => seen.push({ side, price, size }))).toBe(3);
    expect(seen).toEqual(a.takeDeltas());
    expect(b.drainDeltas(() => expect.unreachable())).toBe(0);
  });

  it('formats levels in the exchange format', () => {
    expect(formatLevels([[35210, 672000], [5, 0]], FMT)).toEqual([['352.10', '672.000'], ['0.05', '0.000']]);
  });

  it('matches a Map reference under random operations, and deltas rebuild a mirror exactly', () => {
    type Op = { kind: 'set'; side: Side; price: number; size: number } | { kind: 'truncate'; n: number } | { kind: 'deltas' } | { kind: 'snapshot'; bids: Array<[number, number]>; asks: Array<[number, number]> };
    const level = fc.tuple(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 1, max: 9 }));
    const op: fc.Arbitrary<Op> = fc.oneof(
      { weight: 20, arbitrary: fc.record({ kind: fc.constant('set' as const), side: fc.constantFrom<Side>('bid', 'ask'), price: fc.integer({ min: 1, max: 60 }), size: fc.integer({ min: 0, max: 5 }) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), n: fc.integer({ min: 0, max: 20 }) }) },
      { weight: 3, arbitrary: fc.record({ kind: fc.constant('deltas' as const) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('snapshot' as const), bids: fc.uniqueArray(level, { selector: (l) => l[0] }), asks: fc.uniqueArray(level, { selector: (l) => l[0] }) }) },
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
        const b = book();
        const ref = new MapBook();
        const mirror = new MapBook();
        for (const o of ops) {
          if (o.kind === 'set') {
            const changed = (ref[o.side].get(o.price) ?? 0) !== o.size;
            expect(b.set(o.side, o.price, o.size)).toBe(changed);
            ref.set(o.side, o.price, o.size);
          } else if (o.kind === 'truncate') {
            b.truncate(o.n);
            ref.truncate(o.n);
          } else if (o.kind === 'snapshot') {
            b.applySnapshot(o.bids, o.asks);
            ref.bid = new Map(o.bids);
            ref.ask = new Map(o.asks);
          } else {
            mirror.apply(b.takeDeltas());
            expect(mirror.top('bid', 1000)).toEqual(ref.top('bid', 1000));
            expect(mirror.top('ask', 1000)).toEqual(ref.top('ask', 1000));
          }
          expect(b.top('bid', 5)).toEqual(ref.top('bid', 5));
          expect(b.top('ask', 5)).toEqual(ref.top('ask', 5));
        }
        expect(b.snapshot()).toEqual({ bids: ref.top('bid', 1000), asks: ref.top('ask', 1000) });
        mirror.apply(b.takeDeltas());
        expect(mirror.top('bid', 1000)).toEqual(ref.top('bid', 1000));
        expect(mirror.top('ask', 1000)).toEqual(ref.top('ask', 1000));
      }),
      { numRuns: 300 },
    );
  });

  it('compacts a long undrained delta history without losing prices', () => {
    const b = book();
    for (let i = 0; i < 10_000; i++) b.set('bid', i % 200, (i % 7) + 1);
    const d = b.takeDeltas();
    expect(d.length).toBe(200);
    expect(new Set(d.map((x) => x.price)).size).toBe(200);
    for (const x of d) expect(x.size).toBe(b.sizeAt('bid', x.price));
  });
});

describe('L2Book without delta tracking (a mirror)', () => {
  it('keeps the same book and yields no deltas', () => {
    const tracked = new L2Book('X', 'Y', { priceDecimals: 2, sizeDecimals: 0 });
    const plain = new L2Book('X', 'Y', { priceDecimals: 2, sizeDecimals: 0 }, 64, false);
    for (let i = 0; i < 500; i++) {
      const side = i % 3 === 0 ? 'ask' : 'bid';
      const price = side === 'bid' ? 1000 - (i % 40) : 1001 + (i % 40);
      const size = i % 7 === 0 ? 0 : i + 1;
      tracked.set(side, price, size);
      plain.set(side, price, size);
    }
    plain.truncate(10);
    tracked.truncate(10);
    expect(plain.snapshot()).toEqual(tracked.snapshot());
    expect(plain.pendingDeltas('bid') + plain.pendingDeltas('ask')).toBe(0);
    expect(plain.takeDeltas()).toEqual([]);
    expect(plain.drainDeltas(() => { throw new Error('no deltas expected'); })).toBe(0);
    expect(tracked.takeDeltas().length).toBeGreaterThan(0);
  });

  it('a snapshot (and a later part of one) sets its levels in one pass, with the book and the deltas of setting them one by one', () => {
    const level = fc.tuple(fc.integer({ min: 1, max: 400 }), fc.integer({ min: 0, max: 3 }));
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), level), { maxLength: 40 }),
        fc.array(level, { maxLength: 120 }), fc.array(level, { maxLength: 120 }),
        fc.boolean(), fc.array(level, { maxLength: 60 }),
        (before, bidsIn, asksIn, sortBestFirst, moreIn) => {
          // Best first without repeats, as snapshots come; or as given (repeats, any order).
          const best = (ls: Array<[number, number]>, desc: boolean) => [...new Map(ls).entries()].sort((a, b) => (desc ? b[0] - a[0] : a[0] - b[0]));
          const bids = sortBestFirst ? best(bidsIn, true) : bidsIn;
          const asks = sortBestFirst ? best(asksIn, false).map(([p, sz]): [number, number] => [p + 400, sz]) : asksIn.map(([p, sz]): [number, number] => [p + 400, sz]);
          // A later part: levels below the last part's worst (best first), or anywhere.
          const lowest = Math.min(...bids.map(([p]) => p), 401);
          const more = sortBestFirst ? best(moreIn.map(([p, sz]): [number, number] => [Math.max(0, lowest - p), sz]), true).filter(([p]) => p < lowest && p > 0) : moreIn;
          const fast = new L2Book('T', 'A', FMT, 4);
          const slow = new L2Book('T', 'A', FMT, 4);
          for (const [isBid, [p, sz]] of before) { fast.set(isBid ? 'bid' : 'ask', p, sz); slow.set(isBid ? 'bid' : 'ask', p, sz); }
          expect(fast.takeDeltas()).toEqual(slow.takeDeltas());
          fast.applySnapshot(bids, asks);
          slow.clear();
          for (const [p, sz] of bids) slow.set('bid', p, sz);
          for (const [p, sz] of asks) slow.set('ask', p, sz);
          expect(fast.snapshot()).toEqual(slow.snapshot());
          expect(fast.takeDeltas()).toEqual(slow.takeDeltas());
          fast.setLevels('bid', Float64Array.from(more.map(([p]) => p)), Float64Array.from(more.map(([, sz]) => sz)), 0, more.length);
          for (const [p, sz] of more) slow.set('bid', p, sz);
          expect(fast.snapshot()).toEqual(slow.snapshot());
          expect(fast.takeDeltas()).toEqual(slow.takeDeltas());
          fast.release();
          slow.release();
        },
      ),
      { numRuns: 400 },
    );
  });

  it('a 100,000-level side is applied in linear time (one set per level moved every level held: seconds)', () => {
    const bids = Array.from({ length: 100_000 }, (_, i): [number, number] => [1_000_000 - i, 1]);
    const asks = Array.from({ length: 100_000 }, (_, i): [number, number] => [1_000_001 + i, 1]);
    const b = new L2Book('T', 'A', FMT, 16, false);
    const t0 = performance.now();
    b.applySnapshot(bids, asks);
    expect(performance.now() - t0).toBeLessThan(1_000);
    expect([b.depth('bid'), b.depth('ask'), b.bestBid(), b.bestAsk(), b.priceAt('bid', 99_999)]).toEqual([100_000, 100_000, [1_000_000, 1], [1_000_001, 1], 900_001]);
    expect(() => b.applySnapshot([[5, -1]], [])).toThrow(RangeError);
    b.release();
  });
});
