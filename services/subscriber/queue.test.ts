import fc from 'fast-check';
import { BoundedQueue } from './queue.js';

describe('BoundedQueue', () => {
  it('is a FIFO bounded at its capacity through growth and wrap-around', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5000 }), fc.array(fc.integer({ min: 0, max: 3000 }), { maxLength: 20 }), (capacity, steps) => {
        const q = new BoundedQueue(capacity);
        const model: number[] = [];
        let next = 0;
        for (const [k, n] of steps.entries()) {
          if (k % 2 === 0) {
            for (let i = 0; i < n; i++) {
              const ok = q.push(Uint8Array.of(next & 0xff), next);
              expect(ok).toBe(model.length < capacity);
              if (ok) model.push(next);
              next++;
            }
          } else {
            for (let i = 0; i < n && model.length > 0; i++) {
              const p = q.shift()!;
              const want = model.shift()!;
              expect(p[0]).toBe(want & 0xff);
              expect(q.lastRecvMonoNs).toBe(want);
            }
          }
          expect(q.size).toBe(model.length);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('does not allocate its whole capacity up front', () => {
    const q = new BoundedQueue(1_000_000);
    expect((q as unknown as { payloads: unknown[] }).payloads.length).toBeLessThanOrEqual(1024);
    for (let i = 0; i < 3000; i++) q.push(Uint8Array.of(1), i);
    expect(q.size).toBe(3000);
  });
});
