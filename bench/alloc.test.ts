import { measureHotPathAllocations, measureSetupHeap } from './alloc.js';

describe('hot-path allocation (steady state, no NATS)', () => {
  // 6,000 symbols: more than the 4,096 names the decoder's old direct-mapped cache held, where
  // every colliding name cost a slice, a UTF-8 decode and a fresh string per message (~250 B).
  it('the subscriber decode + mirror path and the publish engine allocate (next to) nothing per update at 6,000 symbols', async () => {
    const [engine, sub] = await measureHotPathAllocations(6_000, 100_000);
    // The floor over chunks: a loaded machine once put one chunk's median at 30 B for the engine.
    expect(sub!.floor_bytes_per_update ?? 0).toBeLessThan(32);
    // The engine encodes into one reused buffer and hands out a cached view per length (it
    // allocated a ~96 B view per message until frames were written by the publisher itself; the
    // path before issue 16 built a key string, LevelChange objects, a header and an Outgoing per
    // message, ~590 B per update at 10,000 symbols).
    expect(engine!.floor_bytes_per_update ?? 0).toBeLessThan(16);
  }, 120_000);

  // A whole market's first second is 10,000 first messages; what each leaves on the heap is what
  // young-generation collections copy in that second. Before levels lived at arena addresses:
  // 1,767 B per engine book (plus 2 backing stores for its names) and 1,227-1,260 B per mirror;
  // then about 915 and 670; the engine's books without touched-price sets, about 760.
  it('a new book leaves little on the heap: under 950 B in the publish engine and 850 B in a subscriber mirror', () => {
    const [engine, mirror] = measureSetupHeap(10_000);
    expect(engine!.heap_bytes_per_book).toBeLessThan(950);
    expect(mirror!.heap_bytes_per_book).toBeLessThan(850);
  }, 60_000);
});
