/**
 * Wire encoder. Writes into preallocated memory and returns a view of the bytes it wrote.
 *
 * Two memory modes:
 * - `slab` (default): each message is written after the previous one in a large slab; a full
 *   slab is replaced by a fresh one. A returned view is never overwritten, which matters because
 *   nats.js `publish` keeps a reference to the payload until its next flush. Cost: one
 *   allocation per slab (64 KiB by default), none per message besides the view object.
 * - `reuse`: every message is written at offset 0 of one buffer that grows when needed. The
 *   view is valid only until the next encode: for callers that copy or send synchronously.
 */
import type { LevelChange, PriceFormat, Scaled } from '../marketdata/events.js';
import { viewWrite64, write64 } from './bytes.js';
import { ByteSlab } from './byte-slab.js';
import {
  BOOK_COUNTS_BYTES,
  HEADER_BYTES,
  HEARTBEAT_FIXED_BYTES,
  LEVEL_BYTES,
  MAX_DECIMALS,
  MAX_INFO_BYTES,
  MAX_NAME_BYTES,
  MessageCode,
  Offset,
  WIRE_VERSION,
} from './layout.js';
import type { WireMessage } from './message.js';

/** What every book message (delta, snapshot) says about itself. */
export interface BookHeader {
  exchange: string;
  symbol: string;
  format: PriceFormat;
  epoch: number;
  seq: number;
  exchSeq: number;
  exchTsUs: number;
  recvMonoNs: number;
  /** Usually left 0 here and stamped right before publish with `stampPublishTime`. */
  pubMonoNs?: number;
  flags?: number;
  /**
   * The names' UTF-8 bytes, when the caller keeps them per book (`WireEncoder.nameBytes`): saves
   * the encoder's name lookups per message, which at thousands of symbols are cold map probes.
   */
  exchangeBytes?: Uint8Array;
  symbolBytes?: Uint8Array;
}

export interface HeartbeatFields {
  epoch: number;
  /** The publisher's heartbeat count. */
  seq: number;
  publisherId: string;
  symbols: number;
  published: number;
  info?: string;
  flags?: number;
  pubMonoNs?: number;
  /** Optional scope of the heartbeat (empty by default). */
  exchange?: string;
  symbol?: string;
}

/**
 * Where `encodeDeltaFrom` takes changes from without an object per change (an L2Book: its
 * touched prices, bids first). `drainDeltas` must visit exactly `pendingDeltas(side)` per side.
 */
export interface DeltaSource {
  pendingDeltas(side: 'bid' | 'ask'): number;
  drainDeltas(visit: (side: 'bid' | 'ask', price: Scaled, size: Scaled) => void): number;
}

export interface EncoderOptions {
  mode?: 'slab' | 'reuse';
  /** Slab size, or the initial buffer size in `reuse` mode. */
  slabBytes?: number;
}

const utf8 = new TextEncoder();
const EMPTY = new Uint8Array(0);
/** Names repeat (a handful of exchanges, thousands of symbols): encode each once. */
const NAME_CACHE_LIMIT = 65_536;

export class WireEncoder {
  private readonly mode: 'slab' | 'reuse';
  private readonly slabBytes: number;
  private buf: Uint8Array;
  /** DataView writes on our own buffer measured ~2x faster than byte stores (wire-bench.ts). */
  private view: DataView;
  /** The message being written occupies [start, pos) of buf. */
  private start = 0;
  private pos = 0;
  private readonly names = new Map<string, Uint8Array>();
  /** Where the names' bytes live: no backing store per new symbol (byte-slab.ts). */
  private readonly nameSlab = new ByteSlab();
  /** `reuse` mode: the view of [0, n) by n, so a message of a length seen before allocates nothing. */
  private views: Array<Uint8Array | undefined> = [];

  constructor(opts: EncoderOptions = {}) {
    this.mode = opts.mode ?? 'slab';
    this.slabBytes = Math.max(256, opts.slabBytes ?? 64 * 1024);
    this.buf = new Uint8Array(this.slabBytes);
    this.view = new DataView(this.buf.buffer);
  }

  /** Changed levels (size 0 = delete). Bids are written before asks; order within a side is kept. */
  encodeDelta(h: BookHeader, changes: readonly LevelChange[]): Uint8Array {
    let bidCount = 0;
    for (let i = 0; i < changes.length; i++) if (changes[i]!.side === 'bid') bidCount++;
    const askCount = changes.length - bidCount;
    const levelsAt = this.beginBook(MessageCode.delta, h, bidCount, askCount);
    const v = this.view;
    let bo = levelsAt;
    let ao = levelsAt + bidCount * LEVEL_BYTES;
    for (let i = 0; i < changes.length; i++) {
      const c = changes[i]!;
      if (c.side === 'bid') {
        writeLevel(v, bo, c.price, c.size);
        bo += LEVEL_BYTES;
      } else {
        writeLevel(v, ao, c.price, c.size);
        ao += LEVEL_BYTES;
      }
    }
    return this.written();
  }

  /**
   * The same bytes as `encodeDelta(h, source.takeDeltas())`, written straight from the source's
   * pending changes (bids first, first-touch order within a side), so publishing a delta
   * allocates no LevelChange objects. Drains the source.
   */
  encodeDeltaFrom(h: BookHeader, source: DeltaSource): Uint8Array {
    const bidCount = source.pendingDeltas('bid');
    const askCount = source.pendingDeltas('ask');
    const levelsAt = this.beginBook(MessageCode.delta, h, bidCount, askCount);
    this.levelPos = levelsAt;
    const written = source.drainDeltas(this.writeVisitedLevel);
    if (written !== bidCount + askCount) throw new Error(`delta source visited ${written} changes, announced ${bidCount + askCount}`);
    return this.written();
  }

  /** Write position of the next level for `encodeDeltaFrom` (a field, so the visitor is one bound function). */
  private levelPos = 0;
  private readonly writeVisitedLevel = (_side: 'bid' | 'ask', price: Scaled, size: Scaled): void => {
    writeLevel(this.view, this.levelPos, price, size);
    this.levelPos += LEVEL_BYTES;
  };

  /** The whole book (or its top N, flagged TRUNCATED by the caller), best level first. */
  encodeSnapshot(h: BookHeader, bids: ReadonlyArray<readonly [Scaled, Scaled]>, asks: ReadonlyArray<readonly [Scaled, Scaled]>): Uint8Array {
    let lo = this.beginBook(MessageCode.snapshot, h, bids.length, asks.length);
    const v = this.view;
    for (let i = 0; i < bids.length; i++, lo += LEVEL_BYTES) writeLevel(v, lo, bids[i]![0], bids[i]![1]);
    for (let i = 0; i < asks.length; i++, lo += LEVEL_BYTES) writeLevel(v, lo, asks[i]![0], asks[i]![1]);
    return this.written();
  }

  encodeHeartbeat(f: HeartbeatFields): Uint8Array {
    const id = this.name(f.publisherId, 'publisherId');
    const info = f.info ? utf8.encode(f.info) : EMPTY;
    if (info.length > MAX_INFO_BYTES) throw new RangeError(`heartbeat info is ${info.length} UTF-8 bytes, the limit is ${MAX_INFO_BYTES}`);
    checkCount(f.symbols, 'symbols');
    checkSafe(f.published, 'published');
    const ex = f.exchange ? this.name(f.exchange, 'exchange') : EMPTY;
    const sym = f.symbol ? this.name(f.symbol, 'symbol') : EMPTY;
    const size = HEADER_BYTES + ex.length + sym.length + HEARTBEAT_FIXED_BYTES + id.length + info.length;
    const b = this.reserve(size);
    const o = this.start;
    let p = writeHeader(b, this.view, o, MessageCode.heartbeat, f.flags ?? 0, f.epoch, f.seq, 0, 0, 0, f.pubMonoNs ?? 0, 0, 0, ex, sym);
    b[p] = id.length;
    copyBytes(b, p + 1, id);
    p += 1 + id.length;
    const v = this.view;
    v.setUint32(p, f.symbols, true);
    viewWrite64(v, p + 4, f.published);
    v.setUint16(p + 12, info.length, true);
    b.set(info, p + 14);
    return b.subarray(o, o + size);
  }

  /** Re-encode a decoded message (relays, tests). */
  encodeMessage(m: WireMessage): Uint8Array {
    if (m.type === 'heartbeat') {
      return this.encodeHeartbeat({
        epoch: m.epoch, seq: m.seq, flags: m.flags, pubMonoNs: m.pubMonoNs, exchange: m.exchange, symbol: m.symbol,
        publisherId: m.heartbeat.publisherId, symbols: m.heartbeat.symbols, published: m.heartbeat.published, info: m.heartbeat.info,
      });
    }
    const h: BookHeader = {
      exchange: m.exchange, symbol: m.symbol, format: { priceDecimals: m.priceDecimals, sizeDecimals: m.sizeDecimals },
      epoch: m.epoch, seq: m.seq, exchSeq: m.exchSeq, exchTsUs: m.exchTsUs, recvMonoNs: m.recvMonoNs, pubMonoNs: m.pubMonoNs, flags: m.flags,
    };
    let lo = this.beginBook(MessageCode[m.type], h, m.bidCount, m.askCount);
    const v = this.view;
    for (let i = 0; i < m.levelCount; i++, lo += LEVEL_BYTES) writeLevel(v, lo, m.prices[i]!, m.sizes[i]!);
    return this.written();
  }

  /** Reserve room for a book message and write all but its levels; returns where levels start. */
  private beginBook(code: number, h: BookHeader, bidCount: number, askCount: number): number {
    const ex = h.exchangeBytes ?? this.name(h.exchange, 'exchange');
    const sym = h.symbolBytes ?? this.name(h.symbol, 'symbol');
    checkDecimals(h.format.priceDecimals, 'priceDecimals');
    checkDecimals(h.format.sizeDecimals, 'sizeDecimals');
    const size = HEADER_BYTES + ex.length + sym.length + BOOK_COUNTS_BYTES + (bidCount + askCount) * LEVEL_BYTES;
    const b = this.reserve(size);
    const v = this.view;
    const p = writeHeader(b, v, this.start, code, h.flags ?? 0, h.epoch, h.seq, h.exchSeq, h.exchTsUs, h.recvMonoNs, h.pubMonoNs ?? 0,
      h.format.priceDecimals, h.format.sizeDecimals, ex, sym);
    v.setUint32(p, bidCount, true);
    v.setUint32(p + 4, askCount, true);
    return p + BOOK_COUNTS_BYTES;
  }

  /** Room for `size` bytes at [this.start, this.pos). */
  private reserve(size: number): Uint8Array {
    if (this.mode === 'reuse') {
      if (this.buf.length < size) this.replaceBuffer(Math.max(size, this.buf.length * 2));
      this.start = 0;
      this.pos = size;
      return this.buf;
    }
    if (this.pos + size > this.buf.length) {
      this.replaceBuffer(Math.max(this.slabBytes, size));
      this.pos = 0;
    }
    this.start = this.pos;
    this.pos += size;
    return this.buf;
  }

  private replaceBuffer(size: number): void {
    this.buf = new Uint8Array(size);
    this.view = new DataView(this.buf.buffer);
    this.views = [];
  }

  /** The message just written, [start, pos). */
  private written(): Uint8Array {
    if (this.mode !== 'reuse') return this.buf.subarray(this.start, this.pos);
    const n = this.pos;
    if (n > 4096) return this.buf.subarray(0, n);
    let v = this.views[n];
    if (v === undefined) this.views[n] = v = this.buf.subarray(0, n);
    return v;
  }

  /** A name's UTF-8 bytes as this encoder writes them (checked against the wire's limit), for `BookHeader.exchangeBytes`/`symbolBytes`. */
  nameBytes(s: string, what: 'exchange' | 'symbol'): Uint8Array {
    return this.name(s, what);
  }

  private name(s: string, what: string): Uint8Array {
    let bytes = this.names.get(s);
    if (bytes === undefined) {
      bytes = this.nameSlab.encode(s);
      if (bytes.length > MAX_NAME_BYTES) throw new RangeError(`${what} is ${bytes.length} UTF-8 bytes, the limit is ${MAX_NAME_BYTES}`);
      if (this.names.size >= NAME_CACHE_LIMIT) this.names.clear();
      this.names.set(s, bytes);
    }
    return bytes;
  }
}

/**
 * Overwrite the publish timestamp of an encoded message in place, right before publishing, so
 * the time spent between encode and publish is counted in the ingest hop.
 */
export function stampPublishTime(msg: Uint8Array, monoNs: number): void {
  write64(msg, Offset.pubMonoNs, monoNs);
}

function writeHeader(
  b: Uint8Array, v: DataView, o: number, code: number, flags: number, epoch: number, seq: number, exchSeq: number, exchTsUs: number,
  recvMonoNs: number, pubMonoNs: number, priceDecimals: number, sizeDecimals: number, ex: Uint8Array, sym: Uint8Array,
): number {
  checkCount(epoch, 'epoch');
  checkSafe(seq, 'seq');
  b[o + Offset.version] = WIRE_VERSION;
  b[o + Offset.type] = code;
  v.setUint16(o + Offset.flags, flags, true);
  v.setUint32(o + Offset.epoch, epoch, true);
  viewWrite64(v, o + Offset.seq, seq);
  viewWrite64(v, o + Offset.exchSeq, exchSeq);
  viewWrite64(v, o + Offset.exchTsUs, exchTsUs);
  viewWrite64(v, o + Offset.recvMonoNs, recvMonoNs);
  viewWrite64(v, o + Offset.pubMonoNs, pubMonoNs);
  b[o + Offset.priceDecimals] = priceDecimals;
  b[o + Offset.sizeDecimals] = sizeDecimals;
  b[o + Offset.exchangeLength] = ex.length;
  b[o + Offset.symbolLength] = sym.length;
  copyBytes(b, o + HEADER_BYTES, ex);
  copyBytes(b, o + HEADER_BYTES + ex.length, sym);
  return o + HEADER_BYTES + ex.length + sym.length;
}

/** A loop beats `Uint8Array.set` (a native call, ~25 ns) for names a few bytes long. */
function copyBytes(b: Uint8Array, o: number, src: Uint8Array): void {
  if (src.length > 32) {
    b.set(src, o);
    return;
  }
  for (let i = 0; i < src.length; i++) b[o + i] = src[i]!;
}

function writeLevel(v: DataView, o: number, price: Scaled, size: Scaled): void {
  // A level that is not an exact integer would be silently truncated on the wire: refuse it.
  if (!Number.isSafeInteger(price)) throw new RangeError(`price must be a safe integer, got ${price}`);
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`size must be a non-negative safe integer, got ${size}`);
  viewWrite64(v, o, price);
  viewWrite64(v, o + 8, size);
}

function checkDecimals(d: number, what: string): void {
  if (!Number.isInteger(d) || d < 0 || d > MAX_DECIMALS) throw new RangeError(`${what} must be an integer in 0..${MAX_DECIMALS}, got ${d}`);
}

function checkCount(v: number, what: string): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xffff_ffff) throw new RangeError(`${what} must be a u32, got ${v}`);
}

function checkSafe(v: number, what: string): void {
  if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`${what} must be a non-negative safe integer, got ${v}`);
}
