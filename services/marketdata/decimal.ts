/**
 * Exact decimal strings <-> scaled integers. No floats: "0.35210000" at 8 decimals is 35210000.
 * Used by adapters (parse the exchange's strings) and by emitters (print them back exactly as the
 * exchange formats them, which Kraken's checksum depends on).
 */
import type { Scaled } from './events.js';

const DIGITS = /^(\d+)(?:\.(\d+))?$/;

/** Number of fractional digits in a decimal string ("55000.10000" -> 5). */
export function decimalsOf(s: string): number {
  const dot = s.indexOf('.');
  return dot < 0 ? 0 : s.length - dot - 1;
}

/**
 * Parse a non-negative decimal string into a scaled integer at `decimals` places.
 * Returns undefined for malformed input, too many significant fractional digits, or values
 * beyond 2^53 (never rounds silently).
 */
export function parseScaled(s: string, decimals: number): Scaled | undefined {
  const m = DIGITS.exec(s);
  if (!m) return undefined;
  const int = m[1]!;
  let frac = m[2] ?? '';
  if (frac.length > decimals) {
    // Extra digits are fine only if they are zeros ("1.50000" at 2 decimals).
    if (!/^0*$/.test(frac.slice(decimals))) return undefined;
    frac = frac.slice(0, decimals);
  }
  const v = Number(int + frac.padEnd(decimals, '0'));
  return Number.isSafeInteger(v) ? v : undefined;
}

/** Format a scaled integer with exactly `decimals` fractional digits ("35210000", 8 -> "0.35210000"). */
export function formatScaled(v: Scaled, decimals: number): string {
  const neg = v < 0;
  const digits = String(Math.abs(v)).padStart(decimals + 1, '0');
  const out = decimals === 0 ? digits : `${digits.slice(0, -decimals)}.${digits.slice(-decimals)}`;
  return neg ? `-${out}` : out;
}
