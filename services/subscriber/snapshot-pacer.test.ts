import { SnapshotPacer } from './snapshot-pacer.js';

describe('SnapshotPacer', () => {
  it('backs a book off exponentially with jitter, up to the cap, and starts afresh after reset', () => {
    let t = 0;
    const p = new SnapshotPacer<string>({ ratePerSecond: 1000, backoff: { baseMs: 50, maxMs: 1000, jitter: 0 }, now: () => t });
    const waits: number[] = [];
    for (let i = 0; i < 8; i++) {
      expect(p.acquire('a')).toBe(0);
      const w = p.acquire('a');
      waits.push(w);
      t += w;
    }
    expect(waits).toEqual([50, 100, 200, 400, 800, 1000, 1000, 1000]);
    p.reset('a');
    expect(p.acquire('a')).toBe(0);
    expect(p.acquire('a')).toBe(50);
  });

  it('draws its jitter from the configured policy (client.snapshotRetry.jitterMs), like every other retry path', () => {
    let t = 0;
    const waits = (random: number) => {
      const p = new SnapshotPacer<string>({ ratePerSecond: 1000, backoff: { baseMs: 50, maxMs: 1000, jitter: 200, random: () => random }, now: () => t });
      const out: number[] = [];
      for (let i = 0; i < 3; i++) { p.acquire('a'); const w = p.acquire('a'); out.push(w); t += w; }
      return out;
    };
    expect(waits(0)).toEqual([50, 100, 200]);
    // The old pacer ignored jitterMs and drew from [d/2, d].
    expect(waits(0.999)).toEqual([249, 299, 399]);
  });

  it('bounds the subscriber-wide rate whatever the number of books', () => {
    let t = 0;
    const p = new SnapshotPacer<number>({ ratePerSecond: 100, backoff: { baseMs: 50, maxMs: 5000, jitter: 50 }, now: () => t });
    let sent = 0;
    for (let ms = 0; ms < 10_000; ms += 10) {
      t = ms;
      for (let book = 0; book < 1000; book++) if (p.acquire(book) === 0) sent++;
    }
    // 100/s for 10 s plus the initial burst of one second's worth.
    expect(sent).toBeLessThanOrEqual(100 * 10 + 100 + 1);
    expect(p.throttled).toBeGreaterThan(0);
  });

  it('a flood of never-seen books does not starve books that held a real book', () => {
    let t = 0;
    const p = new SnapshotPacer<string>({ ratePerSecond: 10, backoff: { baseMs: 50, maxMs: 5000, jitter: 50 }, now: () => t });
    for (let i = 0; i < 1000; i++) p.acquire(`fake${i}`);
    expect(p.acquire('real', true)).toBe(0);
    t = 10_000;
    expect(p.acquire('real2', true)).toBe(0);
  });
});
