/**
 * Shared by the JSON venue adapters: validate `[price, size, ...]` string levels from a frame and
 * turn them into scaled integers at a symbol's PriceFormat. Pure; problems are returned, not thrown.
 */
import { decimalsOf, parseScaled } from '../marketdata/decimal.js';
import type { DecodeProblem, PriceFormat, Scaled, Side } from '../marketdata/events.js';

/** A level exactly as the exchange wrote it. */
export type StrLevel = [price: string, size: string];

const DECIMAL = /^\d+(?:\.\d+)?$/;
const NEGATIVE = /^-\d+(?:\.\d+)?$/;

/**
 * Check that `v` is an array of levels whose first two entries are non-negative decimal strings.
 * Extra entries (Kraken's timestamp and republish flag) are left to the caller.
 */
export function readLevels(v: unknown, what: string): StrLevel[] | DecodeProblem {
  if (!Array.isArray(v)) return { kind: 'malformed', detail: `${what}: expected an array of levels` };
  const out: StrLevel[] = [];
  for (const entry of v) {
    if (!Array.isArray(entry) || entry.length < 2) return { kind: 'malformed', detail: `${what}: level is not [price, size]` };
    const [p, s] = entry as unknown[];
    if (typeof p !== 'string' || typeof s !== 'string') return { kind: 'malformed', detail: `${what}: price and size must be strings` };
    const bad = checkDecimal(p, 'price') ?? checkDecimal(s, 'size');
    if (bad) return { ...bad, detail: `${what}: ${bad.detail}` };
    out.push([p, s]);
  }
  return out;
}

/** undefined if `s` is a non-negative decimal string, else the problem with it. */
export function checkDecimal(s: string, what: string): DecodeProblem | undefined {
  if (DECIMAL.test(s)) return undefined;
  if (NEGATIVE.test(s)) return { kind: what === 'size' ? 'negative-size' : 'malformed', detail: `negative ${what} "${clip(s)}"` };
  return { kind: 'malformed', detail: `${what} "${clip(s)}" is not a decimal number` };
}

export function isProblem(v: unknown): v is DecodeProblem {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && 'kind' in v && 'detail' in v;
}

/** The format a snapshot implies: the most decimals seen in its prices and sizes (fallback when empty). */
export function formatFromLevels(levels: StrLevel[], fallback: PriceFormat): PriceFormat {
  if (levels.length === 0) return fallback;
  let priceDecimals = 0;
  let sizeDecimals = 0;
  for (const [p, s] of levels) {
    priceDecimals = Math.max(priceDecimals, decimalsOf(p));
    sizeDecimals = Math.max(sizeDecimals, decimalsOf(s));
  }
  return { priceDecimals, sizeDecimals };
}

/**
 * Scale string levels; a value the format cannot hold exactly is a problem, never rounded.
 * A well-formed value too large for a safe integer at the symbol's decimals (Kraken lists
 * XMR/USD asks at 99999997.00000000) is left out and reported through `onSkip`: a level that
 * far from the touch never reaches the top of the book, and a checksum would catch it if it did.
 */
export function scaleLevels(
  levels: StrLevel[],
  format: PriceFormat,
  what: string,
  onSkip?: (p: DecodeProblem) => void,
): Array<[Scaled, Scaled]> | DecodeProblem {
  const out: Array<[Scaled, Scaled]> = [];
  for (const [p, s] of levels) {
    const price = parseScaled(p, format.priceDecimals);
    const size = parseScaled(s, format.sizeDecimals);
    if (price !== undefined && size !== undefined) {
      out.push([price, size]);
      continue;
    }
    const fits = fitsDecimals(p, format.priceDecimals) && fitsDecimals(s, format.sizeDecimals);
    const problem: DecodeProblem = {
      kind: 'malformed',
      detail: fits
        ? `${what}: "${clip(p)}" x "${clip(s)}" exceeds 2^53 at ${format.priceDecimals}/${format.sizeDecimals} decimals; level skipped`
        : `${what}: "${clip(p)}" x "${clip(s)}" does not fit ${format.priceDecimals}/${format.sizeDecimals} decimals`,
    };
    if (!fits || !onSkip) return problem;
    onSkip(problem);
  }
  return out;
}

function fitsDecimals(s: string, decimals: number): boolean {
  const dot = s.indexOf('.');
  return dot < 0 || /^0*$/.test(s.slice(dot + 1 + decimals));
}

/** Scaled changes for one side, in message order. */
export function toChanges(side: Side, levels: Array<[Scaled, Scaled]>): Array<{ side: Side; price: Scaled; size: Scaled }> {
  return levels.map(([price, size]) => ({ side, price, size }));
}

export function clip(s: string, n = 40): string {
  return s.length > n ? `${s.slice(0, n)}...` : s;
}

/** JSON.parse that reports instead of throwing. */
export function parseJson(text: string): { ok: true; value: unknown } | { ok: false; problem: DecodeProblem } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    const truncated = /^\s*[[{]/.test(text) && unclosed(text);
    return { ok: false, problem: { kind: truncated ? 'truncated' : 'malformed', detail: `not JSON: ${clip(text)}` } };
  }
}

/** True when brackets opened outside strings are still open at the end: the frame was cut short. */
function unclosed(text: string): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '[' || c === '{') depth++;
    else if (c === ']' || c === '}') depth--;
  }
  return depth > 0 || inString;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
