import { measureHotPathAllocations } from './alloc.js';

describe('hot-path allocation (steady state, no NATS)', () => {
  // 6,000 symbols: more than the 4,096 names the decoder's old direct-mapped cache held, where
  // every colliding name cost a slice, a UTF-8 decode and a fresh string per message (~250 B).
  it('the subscriber decode + mirror path allocates (next to) nothing per update at 6,000 symbols; the engine only its payload view', async () => {
    const [engine, sub] = await measureHotPathAllocations(6_000, 100_000);
    expect(sub!.bytes_per_update ?? 0).toBeLessThan(32);
    // One payload view per message (~96 B): the old path also built a key string, LevelChange
    // objects, a header and an Outgoing per message (~590 B per update at 10,000 symbols).
    expect(engine!.bytes_per_update ?? 0).toBeLessThan(200);
  }, 120_000);
});
