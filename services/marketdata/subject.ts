/**
 * Subject-token codec: exchange symbols (`BRK.B`, `XBT/USD`, anything UTF-8) <-> NATS subject
 * tokens that can never break the subject hierarchy or act as wildcards.
 *
 * Encoding: bytes of the symbol's UTF-8 form in [A-Za-z0-9_-] pass through; every other byte,
 * including the escape character `~` itself, becomes `~` + two UPPERCASE hex digits. Because the
 * escape is escaped and the hex case is fixed, the mapping is injective and each symbol has
 * exactly one token: `BRK.B` -> `BRK~2EB`, `BRK~2EB` -> `BRK~7E2EB`, `BRK_B` -> `BRK_B`.
 */

const PLAIN = /^[A-Za-z0-9_-]$/;
const TOKEN = /^(?:[A-Za-z0-9_-]|~[0-9A-F]{2})+$/;
const EXCHANGE = /^[A-Z0-9_-]+$/;
const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export class SubjectTokenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SubjectTokenError';
  }
}

/** Symbol -> subject token. Throws SubjectTokenError for the empty symbol (no empty tokens). */
export function encodeSubjectToken(symbol: string): string {
  if (symbol.length === 0) throw new SubjectTokenError('symbol must not be empty');
  // A lone surrogate has no UTF-8 form; TextEncoder would turn it into U+FFFD and collide.
  if (/\p{Cs}/u.test(symbol)) throw new SubjectTokenError(`symbol is not well-formed Unicode: ${JSON.stringify(symbol)}`);
  // Fast path: most symbols (AAPL, BTCUSDT) need no escaping at all.
  if (/^[A-Za-z0-9_-]+$/.test(symbol)) return symbol;
  let out = '';
  for (const byte of utf8.encode(symbol)) {
    const ch = String.fromCharCode(byte);
    out += byte < 0x80 && PLAIN.test(ch) ? ch : `~${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Subject token -> symbol. Throws SubjectTokenError for anything `encodeSubjectToken` cannot produce. */
export function decodeSubjectToken(token: string): string {
  if (!TOKEN.test(token)) throw new SubjectTokenError(`not a valid subject token: ${JSON.stringify(token)}`);
  const bytes: number[] = [];
  for (let i = 0; i < token.length; i++) {
    if (token[i] === '~') {
      const byte = parseInt(token.slice(i + 1, i + 3), 16);
      // An escaped plain byte would give a second token for the same symbol.
      if (byte < 0x80 && PLAIN.test(String.fromCharCode(byte))) {
        throw new SubjectTokenError(`non-canonical escape ~${token.slice(i + 1, i + 3)} in ${JSON.stringify(token)}`);
      }
      bytes.push(byte);
      i += 2;
    } else {
      bytes.push(token.charCodeAt(i));
    }
  }
  try {
    return strictUtf8.decode(new Uint8Array(bytes));
  } catch {
    throw new SubjectTokenError(`subject token is not UTF-8: ${JSON.stringify(token)}`);
  }
}

/** `<EXCHANGE>.<symbol token>.<suffix>`, e.g. NYSE.BRK~2EB.orderbook. */
export function dataSubject(exchange: string, symbol: string, suffix = 'orderbook'): string {
  if (!EXCHANGE.test(exchange)) throw new SubjectTokenError(`exchange token must match [A-Z0-9_-]+, got ${JSON.stringify(exchange)}`);
  if (!/^[A-Za-z0-9_-]+$/.test(suffix)) throw new SubjectTokenError(`subject suffix must match [A-Za-z0-9_-]+, got ${JSON.stringify(suffix)}`);
  return `${exchange}.${encodeSubjectToken(symbol)}.${suffix}`;
}

/** Inverse of `dataSubject`; undefined if the subject is not a three-token data subject. */
export function parseDataSubject(subject: string): { exchange: string; symbol: string; suffix: string } | undefined {
  const parts = subject.split('.');
  if (parts.length !== 3) return undefined;
  const [exchange, token, suffix] = parts as [string, string, string];
  if (!EXCHANGE.test(exchange)) return undefined;
  try {
    return { exchange, symbol: decodeSubjectToken(token), suffix };
  } catch {
    return undefined;
  }
}

/** NATS subject matching: `*` one token, `>` one or more trailing tokens. */
export function subjectMatches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i;
    if (i >= s.length) return false;
    if (p[i] !== '*' && p[i] !== s[i]) return false;
  }
  return p.length === s.length;
}
