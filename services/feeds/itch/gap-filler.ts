/**
 * MoldUDP64 with retransmission: an order-by-order ITCH book cannot skip messages (an execution
 * of an order it never saw is lost for good), so when a re-request server is configured the
 * messages after a gap are held, the missing range is asked for (a MoldUDP64 request packet:
 * session, first sequence, count), and delivery resumes in order once the range arrives. If the
 * server never answers the caller gives up with `skip()`, and the loss is counted as before.
 * Pure: the caller sends the request datagrams and owns the timers.
 */
import { MOLD_HEADER_LENGTH, type MoldPacket, type SequencedMessage, type SequencerResult } from './moldudp64.js';

const TWO_32 = 2 ** 32;

/** The request a MoldUDP64 client sends its re-request server: the header layout, count = messages wanted. */
export function encodeMoldRequest(session: string, sequence: number, count: number): Uint8Array {
  if (count < 1 || count >= 0xffff) throw new RangeError(`a MoldUDP64 request asks for 1..65534 messages, got ${count}`);
  const out = new Uint8Array(MOLD_HEADER_LENGTH);
  const v = new DataView(out.buffer);
  for (let i = 0; i < 10; i++) out[i] = i < session.length ? session.charCodeAt(i) & 0x7f : 0x20;
  v.setUint32(10, Math.floor(sequence / TWO_32));
  v.setUint32(14, sequence >>> 0);
  v.setUint16(18, count);
  return out;
}

export function decodeMoldRequest(buf: Uint8Array): { session: string; sequence: number; count: number } | undefined {
  if (buf.length !== MOLD_HEADER_LENGTH) return undefined;
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  return { session: String.fromCharCode(...buf.subarray(0, 10)), sequence: v.getUint32(10) * TWO_32 + v.getUint32(14), count: v.getUint16(18) };
}

export interface HeldGap {
  from: number;
  /** Inclusive. */
  to: number;
}

/** Same contract as MoldSequencer, but messages beyond a gap are held until it is filled or skipped. */
export class HoldingSequencer {
  session: string | undefined;
  expected: number | undefined;
  private readonly held = new Map<number, Uint8Array>();
  /** Sequence the end-of-session marker announced as next; the session is over once reached. */
  private endAt: number | undefined;
  /** Highest sequence known to exist + 1 (from data, heartbeats, the end marker). */
  private known = 0;
  filled = 0;
  lost = 0;

  constructor(private readonly opts: { maxHeld?: number } = {}) {}

  get ended(): boolean {
    return this.endAt !== undefined && this.expected !== undefined && this.expected >= this.endAt;
  }

  get heldCount(): number {
    return this.held.size;
  }

  accept(p: MoldPacket): SequencerResult {
    this.session ??= p.session;
    if (p.session !== this.session) return { deliver: [], duplicates: 0, foreignSession: true };
    if (this.ended) return { deliver: [], duplicates: 0, afterEnd: true };
    this.expected ??= p.sequence;
    const gapBefore = this.gap();
    const result: SequencerResult = { deliver: [], duplicates: 0 };
    if (p.kind === 'end-of-session') this.endAt = p.sequence;
    this.known = Math.max(this.known, p.sequence + (p.kind === 'data' ? p.messages.length : 0));
    if (p.kind === 'data') {
      for (let i = 0; i < p.messages.length; i++) {
        const seq = p.sequence + i;
        if (seq < this.expected || this.held.has(seq)) { result.duplicates++; continue; }
        // Messages that fill a gap are counted as retransmitted.
        if (gapBefore && seq >= gapBefore.from && seq <= gapBefore.to) this.filled++;
        this.held.set(seq, p.messages[i]!);
      }
      if ((this.opts.maxHeld ?? 1_000_000) < this.held.size) result.deliver.push(...this.skip());
    }
    result.deliver.push(...this.drain());
    const gapAfter = this.gap();
    // Report a gap once, when it opens (or grows past what was already reported).
    if (gapAfter && (!gapBefore || gapAfter.to > gapBefore.to || gapAfter.from !== gapBefore.from)) result.gap = gapAfter;
    return result;
  }

  /** The range missing right now, if any. */
  gap(): HeldGap | undefined {
    if (this.expected === undefined) return undefined;
    let next = this.known;
    for (const s of this.held.keys()) if (s < next) next = s;
    return next > this.expected ? { from: this.expected, to: next - 1 } : undefined;
  }

  /** Give up on the current gap: count it lost and deliver what is held beyond it. */
  skip(): SequencedMessage[] {
    const g = this.gap();
    if (!g) return [];
    this.lost += g.to - g.from + 1;
    this.expected = g.to + 1;
    return this.drain();
  }

  private drain(): SequencedMessage[] {
    const out: SequencedMessage[] = [];
    for (;;) {
      const bytes = this.held.get(this.expected!);
      if (!bytes) return out;
      this.held.delete(this.expected!);
      out.push({ sequence: this.expected!, bytes });
      this.expected!++;
    }
  }
}
