/**
 * Publishes book messages on a nats.js connection by writing the NATS `PUB` frames itself.
 *
 * Why: `NatsConnection.publish` builds the protocol line as a template string per message,
 * encodes it with TextEncoder (a fresh ArrayBuffer per message) and queues the line and the
 * payload as two more buffers that are concatenated again before the socket write. At a few
 * hundred thousand messages a second that was about a third of the ingest thread's time. Here
 * each book keeps its `PUB <subject> ` bytes (made once), every frame (line, payload, CRLF) is
 * written into a slab, and the frames written in one event-loop turn go to nats.js as one view
 * of the slab, handed over in a microtask, which is when nats.js itself would write the socket
 * (its own publish schedules the flush in a microtask too), so no latency is added. Past 32 KiB
 * pending they go at once, as nats.js flushes inline at its 32 KiB threshold.
 *
 * Handed-over bytes are never written again while nats.js or the socket may still hold them:
 * the next frames go after them in the slab, and a full slab is started over (or a spare one
 * taken) only once nats.js's outbound queue is empty and the socket has no write pending, when
 * nothing handed over before can still be referenced; otherwise a new slab is made. A copy per
 * hand-over (what this did before) put 140 MB of short-lived array buffers per million messages
 * off the heap; an allocation-free hot path makes almost no young-generation collections to
 * free them, so they piled up until V8 ran full collections for the external memory: 5-6 per
 * million messages at 50 symbols, their concurrent marking costing 0.5 µs of CPU per message.
 *
 * It uses nats.js 2.x internals (`protocol.sendCommand`, the `outMsgs`/`outBytes` counters that
 * `stats()` reports); frame-publisher.test.ts asserts the installed version has them. Without
 * them, or once the connection is closed or draining (nats.js then throws the right error), it
 * calls `publish`. Whatever is pending is handed over before any direct publish and before a
 * drain, so the order of messages on the connection is the order of calls.
 */
import type { NatsConnection } from 'nats';
import { ByteSlab } from '../wire/byte-slab.js';

interface ProtocolInternals {
  sendCommand(cmd: Uint8Array): void;
  outMsgs: number;
  outBytes: number;
  info?: { max_payload?: number };
  /** nats.js's queue of buffers not yet written to the transport. */
  outbound?: { length(): number };
  transport?: { socket?: { writableLength?: number } };
}

const SLAB_BYTES = 256 * 1024;
/** Retired and spare slabs kept for reuse, each (beyond them a slab is left to the GC). */
const MAX_SPARE_SLABS = 8;
/** nats.js flushes its outbound buffer inline at 32 KiB; so do we. */
const HAND_OVER_BYTES = 32 * 1024;
const CR = 13;
const LF = 10;

/** Where books' prefixes live: no backing store per new book (byte-slab.ts). Per thread, like the books. */
const prefixes = new ByteSlab();

/** `PUB <subject> ` as bytes: what a book keeps for `FramePublisher.publish`. */
export function pubPrefix(subject: string): Uint8Array {
  return prefixes.encode(`PUB ${subject} `);
}

function internals(nc: NatsConnection): ProtocolInternals | undefined {
  const p = (nc as unknown as { protocol?: Partial<ProtocolInternals> }).protocol;
  if (p === undefined || typeof p.sendCommand !== 'function' || typeof p.outMsgs !== 'number' || typeof p.outBytes !== 'number') return undefined;
  return p as ProtocolInternals;
}

export class FramePublisher {
  private readonly proto: ProtocolInternals | undefined;
  private slab: Uint8Array = new Uint8Array(SLAB_BYTES);
  /** Frames not yet handed to nats.js occupy [start, pos) of the slab; [0, start) was handed over. */
  private start = 0;
  /** Slabs with bytes handed over that nats.js or the socket may still hold. */
  private retired: Uint8Array[] = [];
  /** Slabs whose handed-over bytes are known written: free to reuse. */
  private readonly spare: Uint8Array[] = [];
  /** New slabs made because the socket still held the old ones (a report for tests and stats). */
  slabsMade = 1;
  private pos = 0;
  private pendingMsgs = 0;
  private pendingBytes = 0;
  private scheduled = false;
  private readonly handOverTask = (): void => {
    this.scheduled = false;
    this.handOver();
  };

  constructor(private readonly nc: NatsConnection) {
    this.proto = internals(nc);
  }

  /** Whether frames are written here (false: every call goes through `NatsConnection.publish`). */
  get framing(): boolean {
    return this.proto !== undefined;
  }

  /** Publish `payload` on `subject`, whose `pubPrefix` is `prefix`. */
  publish(subject: string, prefix: Uint8Array, payload: Uint8Array): void {
    const proto = this.proto;
    const max = proto?.info?.max_payload;
    if (proto === undefined || this.nc.isClosed() || this.nc.isDraining() || (max !== undefined && payload.length > max)) {
      this.handOver();
      // publish keeps the view until its flush; the caller may reuse the bytes at once.
      this.nc.publish(subject, payload.slice());
      return;
    }
    const len = payload.length;
    // Line: prefix, up to 10 digits, CRLF; then payload and CRLF.
    const need = prefix.length + 14 + len;
    if (this.pos + need > this.slab.length) this.nextSlab(need);
    const b = this.slab;
    let p = this.pos;
    for (let i = 0; i < prefix.length; i++) b[p++] = prefix[i]!;
    p = writeDigits(b, p, len);
    b[p++] = CR;
    b[p++] = LF;
    if (len > 32) b.set(payload, p);
    else for (let i = 0; i < len; i++) b[p + i] = payload[i]!;
    p += len;
    b[p++] = CR;
    b[p++] = LF;
    this.pos = p;
    this.pendingMsgs++;
    this.pendingBytes += len;
    if (p - this.start >= HAND_OVER_BYTES) this.handOver();
    else if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(this.handOverTask);
    }
  }

  /** Give nats.js every pending frame now (before a direct publish, a flush or a drain). */
  handOver(): void {
    if (this.pos === this.start) return;
    const proto = this.proto!;
    // A view: nats.js and the socket's write queue may hold it until the write completes, so
    // the slab is not written there again before `written()` says so (nextSlab).
    const frames = this.slab.subarray(this.start, this.pos);
    this.start = this.pos;
    // What NatsConnection.publish would have counted (stats() reports them).
    proto.outMsgs += this.pendingMsgs;
    proto.outBytes += this.pendingBytes;
    this.pendingMsgs = 0;
    this.pendingBytes = 0;
    proto.sendCommand(frames);
  }

  /**
   * Room for a frame of `need` bytes: hand over what is pending and go on in another slab. The
   * full one is retired (nats.js or the socket may hold what it handed over); retired slabs
   * become spares once everything handed over before is known written (checked before this
   * hand-over, which the check would otherwise always see queued). In steady state two slabs
   * take turns and nothing is allocated.
   */
  private nextSlab(need: number): void {
    if (this.written()) {
      for (const s of this.retired) if (this.spare.length < MAX_SPARE_SLABS) this.spare.push(s);
      this.retired = [];
    }
    this.handOver();
    if (this.slab.length === SLAB_BYTES) {
      // Only the last few are remembered for reuse: while the socket stays busy (a burst) older
      // ones are left to the GC once written, rather than held here all burst long.
      if (this.retired.length >= MAX_SPARE_SLABS) this.retired.shift();
      this.retired.push(this.slab);
    }
    const spare = need <= SLAB_BYTES ? this.spare.pop() : undefined;
    if (spare !== undefined) this.slab = spare;
    else {
      this.slab = new Uint8Array(Math.max(SLAB_BYTES, need));
      this.slabsMade++;
    }
    this.start = 0;
    this.pos = 0;
  }

  /** Nothing handed over can still be referenced: nats.js queued nothing unwritten and the socket has no write pending. */
  private written(): boolean {
    const p = this.proto;
    const socket = p?.transport?.socket;
    return p?.outbound !== undefined && p.outbound.length() === 0 && socket !== undefined && socket.writableLength === 0;
  }
}

function writeDigits(b: Uint8Array, p: number, n: number): number {
  if (n < 10) {
    b[p] = 48 + n;
    return p + 1;
  }
  let digits = 0;
  for (let x = n; x > 0; x = Math.floor(x / 10)) digits++;
  let q = p + digits - 1;
  for (let x = n; x > 0; x = Math.floor(x / 10)) b[q--] = 48 + (x % 10);
  return p + digits;
}
