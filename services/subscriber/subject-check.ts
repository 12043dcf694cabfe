/**
 * Does a payload describe the book its subject names? Subscribers file messages by the exchange
 * and symbol inside the payload, so a message for NASDAQ.AAPL delivered on `NYSE.AAPL.orderbook`
 * (a reflected reply, a buggy publisher) would reach a NYSE-only licensee's NASDAQ book.
 *
 * The check runs on every message, before it is queued, so it compares bytes: the subject must be
 * exactly `<exchange bytes>.<canonical token of the symbol bytes>.<one more token>`, the token
 * being what `encodeSubjectToken` makes of the payload's symbol (plain bytes as they are, every
 * other byte `~` + two uppercase hex digits; marketdata/subject.ts). Since that encoding is the
 * only one a symbol has, equality with it is the same verdict as decoding the subject's token and
 * comparing names, without a string, a split or a table lookup per message (at 10,000 symbols
 * the earlier per-subject map cost a cold lookup and a decoded subject string per message).
 * Heartbeats carry no book and are not checked here.
 */
import type { Msg } from 'nats';
import { HEADER_BYTES, MessageCode, Offset } from '../wire/layout.js';

const DOT = 0x2e;
const TILDE = 0x7e;
const HEX = [0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46];

/** Bytes a subject token carries as they are: [A-Za-z0-9_-]. */
const PLAIN = new Uint8Array(256);
for (let b = 0; b < 256; b++) {
  const c = String.fromCharCode(b);
  PLAIN[b] = /^[A-Za-z0-9_-]$/.test(c) ? 1 : 0;
}

const ascii = new TextEncoder();

/**
 * The subject's bytes as nats.js 2.x received them (`MsgImpl._msg.subject`), so the subject need
 * not be decoded to a string per message; undefined when this nats.js keeps them elsewhere (then
 * the caller uses `msg.subject`). subject-check.test.ts asserts the installed nats.js has them.
 */
export function rawSubject(m: Msg): Uint8Array | undefined {
  const raw = (m as unknown as { _msg?: { subject?: unknown } })._msg?.subject;
  return raw instanceof Uint8Array ? raw : undefined;
}

export class SubjectPayloadCheck {
  private scratch = new Uint8Array(512);

  /** The verdict for a message as nats.js hands it over. */
  matchesMsg(m: Msg): boolean {
    const raw = rawSubject(m);
    return raw !== undefined ? this.matchesBytes(raw, raw.length, m.data) : this.matches(m.subject, m.data);
  }

  /** The verdict for a subject given as a string (encoded into a reused buffer, no allocation). */
  matches(subject: string, payload: Uint8Array): boolean {
    if (subject.length * 3 > this.scratch.length) this.scratch = new Uint8Array(subject.length * 3);
    const { written } = ascii.encodeInto(subject, this.scratch);
    return this.matchesBytes(this.scratch, written, payload);
  }

  /** The verdict for the subject in `subject[0, len)`. */
  matchesBytes(subject: Uint8Array, len: number, payload: Uint8Array): boolean {
    // Too short to name anything: the decoder counts it as malformed.
    if (payload.length < HEADER_BYTES) return true;
    if (payload[Offset.type] === MessageCode.heartbeat) return true;
    const exLen = payload[Offset.exchangeLength]!;
    const symLen = payload[Offset.symbolLength]!;
    if (symLen === 0 || payload.length < HEADER_BYTES + exLen + symLen) return false;
    // Exchange: the first token, byte for byte (a dot in the payload's name can match no token).
    if (len <= exLen) return false;
    let p = HEADER_BYTES;
    for (let i = 0; i < exLen; i++, p++) {
      const b = payload[p]!;
      if (b === DOT || subject[i] !== b) return false;
    }
    if (subject[exLen] !== DOT) return false;
    // Symbol: the second token is the canonical encoding of the payload's symbol bytes.
    let s = exLen + 1;
    const symEnd = p + symLen;
    for (; p < symEnd; p++) {
      const b = payload[p]!;
      if (PLAIN[b] === 1) {
        if (s >= len || subject[s] !== b) return false;
        s++;
      } else {
        if (s + 3 > len || subject[s] !== TILDE || subject[s + 1] !== HEX[b >> 4] || subject[s + 2] !== HEX[b & 15]) return false;
        s += 3;
      }
    }
    // Then exactly one more token (the data suffix the subscription pattern already fixed).
    if (s >= len || subject[s] !== DOT) return false;
    for (let i = s + 1; i < len; i++) if (subject[i] === DOT) return false;
    return true;
  }
}
