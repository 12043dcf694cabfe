/**
 * Does a payload describe the book its subject names? Subscribers file messages by the exchange
 * and symbol inside the payload, so a message for NASDAQ.AAPL delivered on `NYSE.AAPL.orderbook`
 * (a reflected reply, a buggy publisher) would reach a NYSE-only licensee's NASDAQ book. The check
 * compares the header's name bytes with the subject's, before decoding: one map lookup and a few
 * byte compares per message. Heartbeats carry no book and are not checked here.
 */
import { decodeSubjectToken } from '../marketdata/subject.js';
import { HEADER_BYTES, MAX_NAME_BYTES, MessageCode, Offset } from '../wire/layout.js';

const utf8 = new TextEncoder();

/** [exchange length, symbol length, exchange bytes, symbol bytes] for a data subject; null if none. */
function expectedNames(subject: string): Uint8Array | null {
  const t = subject.split('.');
  if (t.length !== 3) return null;
  let symbol: string;
  try { symbol = decodeSubjectToken(t[1]!); } catch { return null; }
  const ex = utf8.encode(t[0]!);
  const sym = utf8.encode(symbol);
  if (ex.length > MAX_NAME_BYTES || sym.length > MAX_NAME_BYTES) return null;
  const out = new Uint8Array(2 + ex.length + sym.length);
  out[0] = ex.length;
  out[1] = sym.length;
  out.set(ex, 2);
  out.set(sym, 2 + ex.length);
  return out;
}

export class SubjectPayloadCheck {
  private readonly expected = new Map<string, Uint8Array | null>();

  /** `maxEntries` bounds the cache (a wildcard may see any number of subjects). */
  constructor(private readonly maxEntries: number) {}

  matches(subject: string, payload: Uint8Array): boolean {
    // Too short to name anything: the decoder counts it as malformed.
    if (payload.length < HEADER_BYTES) return true;
    if (payload[Offset.type] === MessageCode.heartbeat) return true;
    let want = this.expected.get(subject);
    if (want === undefined) {
      want = expectedNames(subject);
      if (this.expected.size >= this.maxEntries) this.expected.clear();
      this.expected.set(subject, want);
    }
    if (want === null) return false;
    if (payload[Offset.exchangeLength] !== want[0] || payload[Offset.symbolLength] !== want[1]) return false;
    const n = want.length - 2;
    if (payload.length < HEADER_BYTES + n) return false;
    for (let i = 0; i < n; i++) if (payload[HEADER_BYTES + i] !== want[2 + i]) return false;
    return true;
  }
}
