/**
 * Wire decoder. Never throws on bad input: it returns an error object naming the problem, and
 * the caller counts and skips the payload. Every length is checked against the buffer, and a
 * payload must be exactly as long as its header says (trailing bytes are an error too).
 */
import { readI64, readU16, readU32, readU64 } from './bytes.js';
import {
  BOOK_COUNTS_BYTES,
  HEADER_BYTES,
  HEARTBEAT_FIXED_BYTES,
  LEVEL_BYTES,
  MAX_DECIMALS,
  type MessageType,
  Offset,
  WIRE_VERSION,
} from './layout.js';
import { WireMessage } from './message.js';
import { NameTable, type BookNameTable } from './names.js';

export type WireErrorCode = 'truncated' | 'bad-version' | 'bad-type' | 'bad-length' | 'bad-utf8' | 'out-of-range';

export interface WireError {
  ok: false;
  code: WireErrorCode;
  /** One line for people and logs, e.g. `unsupported wire version 7 (this decoder reads 1)`. */
  detail: string;
}

export interface WireOk {
  ok: true;
}

export type DecodeResult = WireOk | WireError;

/** The one success value: a successful decode allocates nothing. */
export const WIRE_OK: WireOk = Object.freeze({ ok: true });

const TYPES: ReadonlyArray<MessageType | undefined> = [undefined, 'delta', 'snapshot', 'heartbeat'];
const sharedNames = new NameTable();

function fail(code: WireErrorCode, detail: string): WireError {
  return { ok: false, code, detail };
}

/**
 * Decode `buf` into `m`, reusing its arrays. On error the contents of `m` are unspecified.
 * `names` lets a caller keep its own interning table (one per worker is the norm).
 */
/**
 * `books`: intern exchange and symbol as one pair (one lookup), and leave the entry in `m.book`
 * for the caller's own per-book slot (a mirror set keeps its mirror there).
 */
export function decodeInto(buf: Uint8Array, m: WireMessage, names: NameTable = sharedNames, books?: BookNameTable): DecodeResult {
  const len = buf.length;
  if (len < HEADER_BYTES) return fail('truncated', `${len} bytes, shorter than the ${HEADER_BYTES}-byte header`);
  const version = buf[Offset.version]!;
  if (version !== WIRE_VERSION) return fail('bad-version', `unsupported wire version ${version} (this decoder reads ${WIRE_VERSION})`);
  const typeCode = buf[Offset.type]!;
  const type = TYPES[typeCode];
  if (type === undefined) return fail('bad-type', `unknown message type ${typeCode}`);

  const priceDecimals = buf[Offset.priceDecimals]!;
  const sizeDecimals = buf[Offset.sizeDecimals]!;
  if (priceDecimals > MAX_DECIMALS || sizeDecimals > MAX_DECIMALS) {
    return fail('out-of-range', `decimals ${priceDecimals}/${sizeDecimals} exceed ${MAX_DECIMALS}`);
  }
  const seq = readU64(buf, Offset.seq);
  if (!Number.isSafeInteger(seq)) return fail('out-of-range', 'sequence beyond 2^53');

  const exLen = buf[Offset.exchangeLength]!;
  const symLen = buf[Offset.symbolLength]!;
  const body = HEADER_BYTES + exLen + symLen;
  if (len < body) return fail('truncated', `${len} bytes, names end at ${body}`);
  let exchange: string | undefined;
  let symbol: string | undefined;
  if (books !== undefined) {
    const e = books.lookup(buf, HEADER_BYTES, exLen, symLen);
    m.book = e;
    exchange = e?.exchange;
    symbol = e?.symbol;
  } else {
    m.book = undefined;
    exchange = names.lookup(buf, HEADER_BYTES, exLen);
    symbol = names.lookup(buf, HEADER_BYTES + exLen, symLen);
  }
  if (exchange === undefined || symbol === undefined) return fail('bad-utf8', 'exchange or symbol is not valid UTF-8');

  const r = type === 'heartbeat' ? decodeHeartbeat(buf, body, m, names) : decodeLevels(buf, body, m);
  if (r !== WIRE_OK) return r;

  m.version = version;
  m.type = type;
  m.flags = readU16(buf, Offset.flags);
  m.epoch = readU32(buf, Offset.epoch);
  m.seq = seq;
  m.exchSeq = readU64(buf, Offset.exchSeq);
  m.exchTsUs = readU64(buf, Offset.exchTsUs);
  m.recvMonoNs = readU64(buf, Offset.recvMonoNs);
  m.pubMonoNs = readU64(buf, Offset.pubMonoNs);
  m.priceDecimals = priceDecimals;
  m.sizeDecimals = sizeDecimals;
  m.exchange = exchange;
  m.symbol = symbol;
  return WIRE_OK;
}

/** Convenience form that allocates a fresh message (tools, tests; not the hot path). */
export function decode(buf: Uint8Array): { ok: true; message: WireMessage } | WireError {
  const m = new WireMessage(4);
  const r = decodeInto(buf, m);
  return r.ok ? { ok: true, message: m } : r;
}

function decodeLevels(buf: Uint8Array, at: number, m: WireMessage): DecodeResult {
  const len = buf.length;
  if (len < at + BOOK_COUNTS_BYTES) return fail('truncated', `${len} bytes, level counts end at ${at + BOOK_COUNTS_BYTES}`);
  const bidCount = readU32(buf, at);
  const askCount = readU32(buf, at + 4);
  const n = bidCount + askCount;
  const expected = at + BOOK_COUNTS_BYTES + n * LEVEL_BYTES;
  if (len !== expected) {
    return fail(len < expected ? 'truncated' : 'bad-length', `${len} bytes, but ${bidCount} bids + ${askCount} asks make ${expected}`);
  }
  m.ensureLevelCapacity(n);
  const prices = m.prices;
  const sizes = m.sizes;
  for (let i = 0, o = at + BOOK_COUNTS_BYTES; i < n; i++, o += LEVEL_BYTES) {
    const price = readI64(buf, o);
    const size = readU64(buf, o + 8);
    if (!Number.isSafeInteger(price) || !Number.isSafeInteger(size)) return fail('out-of-range', `level ${i}: price or size beyond 2^53`);
    prices[i] = price;
    sizes[i] = size;
  }
  m.bidCount = bidCount;
  m.askCount = askCount;
  return WIRE_OK;
}

function decodeHeartbeat(buf: Uint8Array, at: number, m: WireMessage, names: NameTable): DecodeResult {
  const len = buf.length;
  if (len < at + HEARTBEAT_FIXED_BYTES) return fail('truncated', `${len} bytes, heartbeat body needs ${at + HEARTBEAT_FIXED_BYTES}`);
  const idLen = buf[at]!;
  const fixedEnd = at + HEARTBEAT_FIXED_BYTES + idLen;
  if (len < fixedEnd) return fail('truncated', `${len} bytes, heartbeat fields end at ${fixedEnd}`);
  const p = at + 1 + idLen;
  const infoLen = readU16(buf, p + 12);
  if (len !== fixedEnd + infoLen) {
    return fail(len < fixedEnd + infoLen ? 'truncated' : 'bad-length', `${len} bytes, heartbeat says ${fixedEnd + infoLen}`);
  }
  const publisherId = names.lookup(buf, at + 1, idLen);
  if (publisherId === undefined) return fail('bad-utf8', 'publisher id is not valid UTF-8');
  const published = readU64(buf, p + 4);
  if (!Number.isSafeInteger(published)) return fail('out-of-range', 'published count beyond 2^53');
  let info = '';
  if (infoLen > 0) {
    try {
      info = infoDecoder.decode(buf.subarray(fixedEnd, fixedEnd + infoLen));
    } catch {
      return fail('bad-utf8', 'heartbeat info is not valid UTF-8');
    }
  }
  const hb = m.heartbeat;
  hb.publisherId = publisherId;
  hb.symbols = readU32(buf, p);
  hb.published = published;
  hb.info = info;
  m.bidCount = 0;
  m.askCount = 0;
  return WIRE_OK;
}

const infoDecoder = new TextDecoder('utf-8', { fatal: true });
