/**
 * Exact comparison of scaled integers that use different decimal counts (a venue quoting
 * BTC at 2 decimals against one at 8). The value with fewer decimals is rescaled to the other's
 * decimals. No floats are compared inexactly and no BigInt is needed: a product of integers
 * that stays within 2^53 is exact in a double, and one that does not is larger in magnitude
 * than any safe integer, so its sign alone decides.
 */
import type { Scaled } from '../marketdata/events.js';

// Every power up to 10^22 is exact in a double; decimals are capped at 18 by the wire format.
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

/** Sign of (a / 10^da) - (b / 10^db): -1, 0 or 1. */
export function compareScaled(a: Scaled, da: number, b: Scaled, db: number): -1 | 0 | 1 {
  if (da === db) return a < b ? -1 : a > b ? 1 : 0;
  if (da < db) return negate(compareScaled(b, db, a, da));
  const k = POW10[da - db];
  if (k === undefined) throw new RangeError(`cannot compare across ${da - db} decimal places`);
  const bUp = b * k;
  if (Number.isSafeInteger(bUp)) return a < bUp ? -1 : a > bUp ? 1 : 0;
  // |b * 10^k| > 2^53 - 1 >= |a| (a is a safe integer).
  return b > 0 ? -1 : 1;
}

function negate(c: -1 | 0 | 1): -1 | 0 | 1 {
  return c === 0 ? 0 : c === 1 ? -1 : 1;
}
