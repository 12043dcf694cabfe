/**
 * What the ingest accepts from a feed source before any worker sees it. Venue input is hostile
 * until checked: a 6,000-byte or lone-surrogate product id, a price that is not a safe integer or
 * a side that is neither bid nor ask would otherwise throw inside a worker (and take every symbol
 * on it down). A rejected update is counted as malformed and logged with the offending input;
 * the other symbols keep publishing. Pure: no I/O.
 */
import type { FeedUpdate } from './feed-update.js';
import { MAX_DECIMALS } from '../wire/layout.js';

/**
 * Longest symbol, in UTF-8 bytes. The wire allows 255; real venues use at most a few dozen, and
 * the subject token can be three times the bytes (escapes), so 128 keeps subjects short.
 */
export const MAX_SYMBOL_BYTES = 128;
const EXCHANGE = /^[A-Z0-9_-]{1,32}$/;
const utf8 = new TextEncoder();

function levelProblem(side: string, price: unknown, size: unknown): string | undefined {
  if (side !== 'bid' && side !== 'ask') return `side ${JSON.stringify(side)} is neither bid nor ask`;
  if (!Number.isSafeInteger(price)) return `price ${String(price)} is not a safe integer`;
  if (!Number.isSafeInteger(size) || (size as number) < 0) return `size ${String(size)} is not a non-negative safe integer`;
  return undefined;
}

/** Why `u` must not reach a worker, or undefined when it may. */
export function judgeUpdate(u: FeedUpdate): string | undefined {
  return judgeName(u.exchange, u.symbol) ?? judgeContent(u);
}

/** The exchange and symbol alone (callers cache a verdict per symbol: names repeat). */
export function judgeName(exchange: string, sym: string): string | undefined {
  if (typeof exchange !== 'string' || !EXCHANGE.test(exchange)) return `exchange ${JSON.stringify(String(exchange).slice(0, 40))} is not a configured-style name`;
  if (typeof sym !== 'string' || sym.length === 0) return 'empty symbol';
  // Cheap bound first: a UTF-16 length over the byte limit is over it in UTF-8 too.
  if (sym.length > MAX_SYMBOL_BYTES) return `symbol is ${sym.length} characters, the limit is ${MAX_SYMBOL_BYTES} UTF-8 bytes`;
  // With the u flag a paired surrogate is one code point; only a lone one matches \p{Cs}.
  if (/\p{Cs}/u.test(sym)) return 'symbol is not well-formed UTF-16 (lone surrogate)';
  if (/[\u0000-\u001f\u007f]/.test(sym)) return 'symbol contains control characters';
  if (utf8.encode(sym).length > MAX_SYMBOL_BYTES) return `symbol is more than ${MAX_SYMBOL_BYTES} UTF-8 bytes`;
  return undefined;
}

/** Format and levels: checked on every update (a handful of levels for a delta). */
export function judgeContent(u: FeedUpdate): string | undefined {
  const f = u.format;
  if (!f || !Number.isInteger(f.priceDecimals) || !Number.isInteger(f.sizeDecimals) || f.priceDecimals < 0 || f.sizeDecimals < 0 || f.priceDecimals > MAX_DECIMALS || f.sizeDecimals > MAX_DECIMALS) return 'price format out of range';
  if (u.kind === 'delta') {
    const c = u.changes ?? [];
    for (let i = 0; i < c.length; i++) {
      const p = levelProblem(c[i]!.side, c[i]!.price, c[i]!.size);
      if (p) return p;
    }
  } else if (u.kind === 'snapshot') {
    for (const [side, levels] of [['bid', u.bids ?? []], ['ask', u.asks ?? []]] as const) {
      for (let i = 0; i < levels.length; i++) {
        const p = levelProblem(side, levels[i]![0], levels[i]![1]);
        if (p) return p;
      }
    }
  } else if (u.kind === 'input') {
    // A decoded venue input has no levels yet: the keeper's resulting updates are judged in the worker.
    if (u.input === undefined || u.input === null || typeof u.input !== 'object' || typeof u.input.venue !== 'string') return 'input without its venue and data';
  } else if (u.kind !== 'stale') {
    return `kind ${JSON.stringify(String(u.kind))} is neither snapshot, delta, stale nor input`;
  }
  return undefined;
}

/** The offending input, short enough for one log line. */
export function describeUpdate(u: FeedUpdate): string {
  const levels = u.kind === 'snapshot' ? (u.bids?.length ?? 0) + (u.asks?.length ?? 0) : (u.changes?.length ?? 0);
  return JSON.stringify({ kind: u.kind, exchange: String(u.exchange).slice(0, 40), symbol: typeof u.symbol === 'string' ? u.symbol.slice(0, 80) : u.symbol, symbolLength: u.symbol?.length, levels, exchSeq: u.exchSeq });
}
