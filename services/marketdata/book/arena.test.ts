import fc from 'fast-check';
import v8 from 'node:v8';
import vm from 'node:vm';
import { CHUNK_DOUBLES, F64Arena, levelArena } from './arena.js';
import { L2Book } from './l2-book.js';

describe('F64Arena', () => {
  it('serves power-of-two classes from shared chunks and hands released regions out again', () => {
    const a = new F64Arena();
    const x = a.alloc(5);
    const y = a.alloc(16);
    expect(a.chunkOf(x)).toBe(a.chunkOf(y));
    expect(a.offsetOf(y) - a.offsetOf(x)).toBe(8); // x took a class of 8
    expect(a.chunks).toBe(1);
    a.release(y, 16);
    expect(a.freeCount(16)).toBe(1);
    expect(a.alloc(9)).toBe(y);
    // Too large for a class: a chunk of its own, never put on a free list, forgotten on release.
    const big = a.alloc(5000);
    expect(a.chunkOf(big).length).toBe(5000);
    expect(a.offsetOf(big)).toBe(0);
    a.release(big, 5000);
    expect(a.freeCount(4096)).toBe(0);
    expect(() => a.chunkOf(big)).toThrow(/collected chunk/);
    expect(a.alloc(6000)).not.toBe(big);
    // A full chunk: the next region starts a new one.
    const many = Array.from({ length: CHUNK_DOUBLES / 1024 }, () => a.alloc(1024));
    expect(a.chunks).toBe(2);
    expect(new Set(many.map((m) => a.chunkOf(m))).size).toBe(2);
  });

  it('a new book allocates no backing store of its own (10,000 books in a few chunks)', () => {
    const before = levelArena.chunks;
    const books = Array.from({ length: 10_000 }, (_, i) => new L2Book('X', `S${i}`, { priceDecimals: 2, sizeDecimals: 0 }, 16));
    for (const b of books) b.set('bid', 100, 1);
    // 2 ladder regions of 2 x 16 and 2 touched-set regions of 2 x 16 doubles per book: 128 doubles,
    // 1.28 M in all, 10 chunks of 131,072 (a chunk still open before counts as one more).
    expect(levelArena.chunks - before).toBeLessThanOrEqual(11);
    for (const b of books) b.release();
  });

  it('books forgotten without release give their chunks back to the GC, and a freed region of a collected chunk is never handed out', async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const settle = async () => {
      for (let i = 0; i < 3; i++) { gc(); await new Promise((r) => setImmediate(r)); }
    };
    await settle();
    const before = levelArena.liveChunks();
    let books = Array.from({ length: 20_000 }, (_, i) => new L2Book('X', `F${i}`, { priceDecimals: 0, sizeDecimals: 0 }, 16));
    for (const b of books) b.set('bid', 1, 1);
    expect(levelArena.liveChunks()).toBeGreaterThanOrEqual(before + 8);
    // Half released (their regions go on the free lists), half simply dropped.
    for (let i = 0; i < books.length; i += 2) books[i]!.release();
    books = [];
    await settle();
    expect(levelArena.liveChunks()).toBeLessThanOrEqual(before + 1);
    // New books skip the free-listed addresses of collected chunks: every book keeps its own levels.
    const again = Array.from({ length: 5_000 }, (_, i) => new L2Book('X', `G${i}`, { priceDecimals: 0, sizeDecimals: 0 }, 16));
    again.forEach((b, i) => { for (let p = 1; p <= 20; p++) b.set('ask', p, i + p); });
    again.forEach((b, i) => expect(b.sizeAt('ask', 7)).toBe(i + 7));
    for (const b of again) b.release();
  });

  it('books that grow, shrink and are released keep exact levels while sharing the arena', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.boolean(), fc.integer({ min: 1, max: 300 }), fc.integer({ min: 0, max: 3 })), { maxLength: 3000 }),
        (ops) => {
          const books = Array.from({ length: 6 }, (_, i) => new L2Book('X', `S${i}`, { priceDecimals: 0, sizeDecimals: 0 }, 4));
          const refs = books.map(() => ({ bid: new Map<number, number>(), ask: new Map<number, number>() }));
          for (const [k, bid, price, size] of ops) {
            if (size === 3 && price % 97 === 0) {
              // Drop the book for good and start a new one in its place (its arrays get reused).
              books[k]!.release();
              books[k] = new L2Book('X', `S${k}`, { priceDecimals: 0, sizeDecimals: 0 }, 4);
              refs[k] = { bid: new Map(), ask: new Map() };
              continue;
            }
            const side = bid ? 'bid' : 'ask';
            books[k]!.set(side, price, size);
            if (size === 0) refs[k]![side].delete(price);
            else refs[k]![side].set(price, size);
          }
          books.forEach((b, k) => {
            const want = (m: Map<number, number>, desc: boolean) => [...m].sort((x, y) => (desc ? y[0] - x[0] : x[0] - y[0]));
            expect(b.snapshot()).toEqual({ bids: want(refs[k]!.bid, true), asks: want(refs[k]!.ask, false) });
            b.takeDeltas();
          });
          for (const b of books) b.release();
        },
      ),
      { numRuns: 150 },
    );
  });
});
