import fc from 'fast-check';
import { compareScaled } from './scaled-compare.js';

function reference(a: number, da: number, b: number, db: number): number {
  const d = Math.max(da, db);
  const A = BigInt(a) * 10n ** BigInt(d - da);
  const B = BigInt(b) * 10n ** BigInt(d - db);
  return A < B ? -1 : A > B ? 1 : 0;
}

describe('compareScaled', () => {
  it('compares across decimal counts exactly', () => {
    expect(compareScaled(6_500_012, 2, 6_500_012_000_000, 8)).toBe(0); // 65000.12 vs 65000.12000000
    expect(compareScaled(650_001, 1, 6_500_012, 2)).toBe(-1); // 65000.1 < 65000.12
    expect(compareScaled(6_500_019_990_000, 8, 650_002, 1)).toBe(-1); // 65000.1999 < 65000.2
    expect(compareScaled(-5, 0, -49, 1)).toBe(-1); // -5 < -4.9
    // 90071992547409.91 vs 90071992547409.9: the same double once divided, different exactly.
    expect(9_007_199_254_740_991 / 100).toBe(900_719_925_474_099 / 10);
    expect(compareScaled(9_007_199_254_740_991, 2, 900_719_925_474_099, 1)).toBe(1);
    expect(compareScaled(1, 18, 9_007_199_254_740_991, 0)).toBe(-1);
    expect(compareScaled(1, 18, -9_007_199_254_740_991, 0)).toBe(1);
  });

  it('property: agrees with BigInt arithmetic everywhere in the safe range', () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), fc.integer({ min: 0, max: 18 }), fc.maxSafeInteger(), fc.integer({ min: 0, max: 18 }), (a, da, b, db) => {
        expect(compareScaled(a, da, b, db)).toBe(reference(a, da, b, db));
      }),
      { numRuns: 5000 },
    );
    // Near-equal values are where a float comparison would go wrong.
    fc.assert(
      fc.property(fc.integer({ min: -1e12, max: 1e12 }), fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 6 }), fc.integer({ min: -2, max: 2 }), (v, da, extra, nudge) => {
        const db = da + extra;
        const b = v * 10 ** extra + nudge;
        fc.pre(Number.isSafeInteger(b));
        expect(compareScaled(v, da, b, db)).toBe(reference(v, da, b, db));
      }),
      { numRuns: 5000 },
    );
  });
});
