/**
 * MoldUDP64 downstream packets (Nasdaq's MoldUDP64 protocol specification):
 *   session (10 bytes ASCII) | sequence number (u64, of the first message) | message count (u16)
 *   then `count` message blocks of [length (u16) | message bytes].
 * Count 0 is a heartbeat and 0xFFFF marks the end of the session; both carry the sequence
 * number of the next message. `MoldSequencer` turns sequence numbers into gap reports.
 */
import type { DecodeProblem } from '../../marketdata/events.js';

export const MOLD_HEADER_LENGTH = 20;
export const END_OF_SESSION = 0xffff;
const TWO_32 = 2 ** 32;

export interface MoldPacket {
  kind: 'data' | 'heartbeat' | 'end-of-session';
  session: string;
  /** Sequence number of the first message (or, for heartbeats/end, of the next one). */
  sequence: number;
  /** Views into the packet buffer, one per message, without their length prefixes. */
  messages: Uint8Array[];
}

export function decodeMoldPacket(buf: Uint8Array): MoldPacket | DecodeProblem {
  if (buf.length < MOLD_HEADER_LENGTH) return { kind: 'truncated', detail: `MoldUDP64 packet of ${buf.length} bytes, header needs ${MOLD_HEADER_LENGTH}` };
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let session = '';
  for (let i = 0; i < 10; i++) {
    const c = buf[i]!;
    if (c < 0x20 || c > 0x7e) return { kind: 'malformed', detail: 'MoldUDP64 session is not printable ASCII' };
    session += String.fromCharCode(c);
  }
  const hi = v.getUint32(10);
  if (hi > 0x1fffff) return { kind: 'malformed', detail: 'MoldUDP64 sequence exceeds 2^53' };
  const sequence = hi * TWO_32 + v.getUint32(14);
  const count = v.getUint16(18);
  if (count === 0 || count === END_OF_SESSION) {
    if (buf.length !== MOLD_HEADER_LENGTH) return { kind: 'malformed', detail: `MoldUDP64 ${count === 0 ? 'heartbeat' : 'end of session'} with ${buf.length - MOLD_HEADER_LENGTH} trailing bytes` };
    return { kind: count === 0 ? 'heartbeat' : 'end-of-session', session, sequence, messages: [] };
  }
  const messages: Uint8Array[] = [];
  let off = MOLD_HEADER_LENGTH;
  for (let i = 0; i < count; i++) {
    if (off + 2 > buf.length) return { kind: 'truncated', detail: `MoldUDP64 packet ends before message ${i + 1} of ${count}` };
    const len = v.getUint16(off);
    off += 2;
    if (off + len > buf.length) return { kind: 'truncated', detail: `MoldUDP64 message ${i + 1} of ${count} needs ${len} bytes, ${buf.length - off} left` };
    messages.push(buf.subarray(off, off + len));
    off += len;
  }
  if (off !== buf.length) return { kind: 'malformed', detail: `MoldUDP64 packet has ${buf.length - off} bytes after its ${count} messages` };
  return { kind: 'data', session, sequence, messages };
}

function header(session: string, sequence: number, count: number, bodyLength: number): { out: Uint8Array; v: DataView } {
  const out = new Uint8Array(MOLD_HEADER_LENGTH + bodyLength);
  const v = new DataView(out.buffer);
  for (let i = 0; i < 10; i++) out[i] = i < session.length ? session.charCodeAt(i) & 0x7f : 0x20;
  v.setUint32(10, Math.floor(sequence / TWO_32));
  v.setUint32(14, sequence >>> 0);
  v.setUint16(18, count);
  return { out, v };
}

export function encodeMoldPacket(session: string, sequence: number, messages: Uint8Array[]): Uint8Array {
  if (messages.length === 0 || messages.length >= END_OF_SESSION) throw new RangeError(`a data packet carries 1..65534 messages, got ${messages.length}`);
  const body = messages.reduce((n, m) => n + 2 + m.length, 0);
  const { out, v } = header(session, sequence, messages.length, body);
  let off = MOLD_HEADER_LENGTH;
  for (const m of messages) {
    v.setUint16(off, m.length);
    out.set(m, off + 2);
    off += 2 + m.length;
  }
  return out;
}

export function encodeMoldHeartbeat(session: string, nextSequence: number): Uint8Array {
  return header(session, nextSequence, 0, 0).out;
}

export function encodeMoldEndOfSession(session: string, nextSequence: number): Uint8Array {
  return header(session, nextSequence, END_OF_SESSION, 0).out;
}

export interface SequencedMessage {
  sequence: number;
  bytes: Uint8Array;
}

export interface SequencerResult {
  /** New messages in sequence order (duplicates already dropped). */
  deliver: SequencedMessage[];
  /** Missing sequence numbers [from, to], inclusive, if this packet revealed a gap. */
  gap?: { from: number; to: number };
  duplicates: number;
  /** A packet from another session than the one being followed (ignored). */
  foreignSession?: boolean;
  /** A packet after the end-of-session marker (ignored). */
  afterEnd?: boolean;
}

/**
 * Follows one MoldUDP64 session by sequence number: delivers each message once, in order,
 * and reports gaps (a data packet, heartbeat or end marker ahead of the next expected number).
 * Heartbeats therefore reveal a loss even when no data follows.
 */
export class MoldSequencer {
  session: string | undefined;
  /** Sequence number of the next message we expect; undefined until the first packet. */
  expected: number | undefined;
  ended = false;

  constructor(opts: { session?: string; expectFrom?: number } = {}) {
    this.session = opts.session;
    this.expected = opts.expectFrom;
  }

  accept(p: MoldPacket): SequencerResult {
    if (this.session === undefined) this.session = p.session;
    if (p.session !== this.session) return { deliver: [], duplicates: 0, foreignSession: true };
    if (this.ended) return { deliver: [], duplicates: 0, afterEnd: true };
    // Joining mid-stream: the first packet defines where we start.
    this.expected ??= p.sequence;
    const result: SequencerResult = { deliver: [], duplicates: 0 };
    if (p.sequence > this.expected) result.gap = { from: this.expected, to: p.sequence - 1 };
    if (p.kind !== 'data') {
      if (p.sequence > this.expected) this.expected = p.sequence;
      if (p.kind === 'end-of-session') this.ended = true;
      return result;
    }
    for (let i = 0; i < p.messages.length; i++) {
      const seq = p.sequence + i;
      if (seq < this.expected) {
        result.duplicates++;
        continue;
      }
      result.deliver.push({ sequence: seq, bytes: p.messages[i]! });
    }
    this.expected = Math.max(this.expected, p.sequence + p.messages.length);
    return result;
  }
}

/**
 * Nasdaq's historical ITCH files are a plain stream of [length (u16) | message]. Yields each
 * message (a view), or a problem if the stream ends inside one.
 */
export function* splitItchStream(buf: Uint8Array): Generator<Uint8Array | DecodeProblem> {
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let off = 0;
  while (off < buf.length) {
    if (off + 2 > buf.length) {
      yield { kind: 'truncated', detail: `stream ends inside a length prefix at byte ${off}` };
      return;
    }
    const len = v.getUint16(off);
    if (off + 2 + len > buf.length) {
      yield { kind: 'truncated', detail: `stream ends inside a ${len}-byte message at byte ${off}` };
      return;
    }
    yield buf.subarray(off + 2, off + 2 + len);
    off += 2 + len;
  }
}
