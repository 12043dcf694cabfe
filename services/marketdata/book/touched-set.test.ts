import fc from 'fast-check';
import { TouchedSet } from './touched-set.js';

describe('TouchedSet', () => {
  it('keeps distinct prices in first-touch order and empties on drain', () => {
    const t = new TouchedSet(2);
    for (const p of [5, 3, 5, 2 ** 40 + 3, 3, 0, 2 ** 40 + 3]) t.add(p);
    expect(t.size).toBe(4);
    expect(t.drain()).toEqual([5, 3, 2 ** 40 + 3, 0]);
    expect(t.size).toBe(0);
    t.add(3);
    expect(t.drain()).toEqual([3]);
  });

  it('matches a Set through growth, partial and full clears', () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.integer({ min: 0, max: 3000 }), { maxLength: 400 }), { maxLength: 8 }), (batches) => {
        const t = new TouchedSet(4);
        for (const batch of batches) {
          for (const p of batch) t.add(p);
          expect(t.drain()).toEqual([...new Set(batch)]);
        }
      }),
      { numRuns: 200 },
    );
  });
});
