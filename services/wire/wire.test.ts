import fc from 'fast-check';
import type { LevelChange } from '../marketdata/events.js';
import { decode, decodeInto, WIRE_OK } from './decode.js';
import { stampPublishTime, WireEncoder, type BookHeader } from './encode.js';
import { toJson } from './json.js';
import { Flags, HEADER_BYTES, Offset } from './layout.js';
import { WireMessage } from './message.js';

const header: BookHeader = {
  exchange: 'NYSE',
  symbol: 'BRK.B',
  format: { priceDecimals: 4, sizeDecimals: 0 },
  epoch: 7,
  seq: 42,
  exchSeq: 1_000_001,
  exchTsUs: 1_700_000_000_123_456,
  recvMonoNs: 9_007_199_254_740_000,
  flags: 0,
};

const changes: LevelChange[] = [
  { side: 'ask', price: 1_234_500, size: 300 },
  { side: 'bid', price: 1_234_400, size: 100 },
  { side: 'bid', price: 1_234_300, size: 0 },
];

function decoded(bytes: Uint8Array): WireMessage {
  const r = decode(bytes);
  if (!r.ok) throw new Error(`decode failed: ${r.code} ${r.detail}`);
  return r.message;
}

describe('byte layout', () => {
  it('puts each header field at its documented offset, little-endian', () => {
    const bytes = new WireEncoder().encodeDelta({ ...header, pubMonoNs: 0x0102030405 }, changes);
    expect(bytes[Offset.version]).toBe(1);
    expect(bytes[Offset.type]).toBe(1);
    expect(Array.from(bytes.subarray(Offset.epoch, Offset.epoch + 4))).toEqual([7, 0, 0, 0]);
    expect(Array.from(bytes.subarray(Offset.seq, Offset.seq + 8))).toEqual([42, 0, 0, 0, 0, 0, 0, 0]);
    expect(Array.from(bytes.subarray(Offset.pubMonoNs, Offset.pubMonoNs + 8))).toEqual([5, 4, 3, 2, 1, 0, 0, 0]);
    expect(bytes[Offset.priceDecimals]).toBe(4);
    expect(bytes[Offset.exchangeLength]).toBe(4);
    expect(bytes[Offset.symbolLength]).toBe(5);
    expect(new TextDecoder().decode(bytes.subarray(HEADER_BYTES, HEADER_BYTES + 9))).toBe('NYSEBRK.B');
    // Counts: 2 bids, 1 ask; then 3 levels of 16 bytes.
    expect(Array.from(bytes.subarray(61, 69))).toEqual([2, 0, 0, 0, 1, 0, 0, 0]);
    expect(bytes.length).toBe(HEADER_BYTES + 9 + 8 + 3 * 16);
  });

  it('writes a negative price as 64-bit two\'s complement', () => {
    const bytes = new WireEncoder().encodeDelta(header, [{ side: 'bid', price: -3_706, size: 1 }]);
    const at = HEADER_BYTES + 9 + 8;
    expect(Array.from(bytes.subarray(at, at + 8))).toEqual([0x86, 0xf1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    expect(decoded(bytes).prices[0]).toBe(-3_706);
  });
});

describe('round trip', () => {
  it('delta: every field and level survives, bids before asks', () => {
    const m = decoded(new WireEncoder().encodeDelta({ ...header, pubMonoNs: 123 }, changes));
    expect(m).toMatchObject({
      version: 1, type: 'delta', epoch: 7, seq: 42, exchSeq: 1_000_001, exchTsUs: 1_700_000_000_123_456,
      recvMonoNs: 9_007_199_254_740_000, pubMonoNs: 123, priceDecimals: 4, sizeDecimals: 0,
      exchange: 'NYSE', symbol: 'BRK.B', bidCount: 2, askCount: 1,
    });
    expect(m.changes()).toEqual([changes[1], changes[2], changes[0]]);
  });

  it('snapshot: both sides in order, flags kept', () => {
    const bids: Array<[number, number]> = [[100, 5], [99, 6]];
    const asks: Array<[number, number]> = [[101, 7]];
    const m = decoded(new WireEncoder().encodeSnapshot({ ...header, flags: Flags.REPLY | Flags.TRUNCATED }, bids, asks));
    expect(m.type).toBe('snapshot');
    expect(m.bids()).toEqual(bids);
    expect(m.asks()).toEqual(asks);
    expect(m.flags).toBe(Flags.REPLY | Flags.TRUNCATED);
  });

  it('heartbeat: publisher info, no levels', () => {
    const bytes = new WireEncoder().encodeHeartbeat({
      epoch: 3, seq: 17, publisherId: 'ingest-b', symbols: 12, published: 123_456_789, info: '{"host":"ip-10-0-1-5"}', flags: Flags.LEADER,
    });
    const m = decoded(bytes);
    expect(m).toMatchObject({ type: 'heartbeat', epoch: 3, seq: 17, flags: Flags.LEADER, exchange: '', symbol: '', levelCount: 0 });
    expect(m.heartbeat).toEqual({ publisherId: 'ingest-b', symbols: 12, published: 123_456_789, info: '{"host":"ip-10-0-1-5"}' });
  });

  const name = fc.string({ unit: 'grapheme', maxLength: 12 }).filter((s) => new TextEncoder().encode(s).length <= 255);
  const level = fc.record({
    side: fc.constantFrom<'bid' | 'ask'>('bid', 'ask'),
    price: fc.maxSafeInteger(),
    size: fc.maxSafeNat(),
  });
  const bookHeader = fc.record({
    exchange: name,
    symbol: name,
    format: fc.record({ priceDecimals: fc.integer({ min: 0, max: 18 }), sizeDecimals: fc.integer({ min: 0, max: 18 }) }),
    epoch: fc.nat({ max: 0xffff_ffff }),
    seq: fc.maxSafeNat(),
    exchSeq: fc.maxSafeNat(),
    exchTsUs: fc.maxSafeNat(),
    recvMonoNs: fc.maxSafeNat(),
    pubMonoNs: fc.maxSafeNat(),
    flags: fc.nat({ max: 0xffff }),
  });

  it('property: any delta round-trips (per-side order kept)', () => {
    const enc = new WireEncoder({ slabBytes: 512 });
    const target = new WireMessage(1);
    fc.assert(
      fc.property(bookHeader, fc.array(level, { maxLength: 40 }), (h, levels) => {
        const r = decodeInto(enc.encodeDelta(h, levels), target);
        expect(r).toBe(WIRE_OK);
        const { format, ...fields } = h;
        expect(target).toMatchObject({ ...fields, ...format, type: 'delta' });
        const bySide = [...levels.filter((l) => l.side === 'bid'), ...levels.filter((l) => l.side === 'ask')];
        expect(target.changes()).toEqual(bySide);
      }),
      { numRuns: 500 },
    );
  });

  it('property: any snapshot or heartbeat round-trips through encodeMessage', () => {
    const pair = fc.tuple(fc.maxSafeInteger(), fc.maxSafeNat());
    const enc = new WireEncoder({ mode: 'reuse', slabBytes: 256 });
    fc.assert(
      fc.property(bookHeader, fc.array(pair, { maxLength: 30 }), fc.array(pair, { maxLength: 30 }), fc.boolean(), name, fc.string(),
        (h, bids, asks, heartbeat, publisherId, info) => {
          const original = heartbeat
            ? decoded(new WireEncoder().encodeHeartbeat({ ...h, publisherId, symbols: bids.length, published: h.exchSeq, info }))
            : decoded(new WireEncoder().encodeSnapshot(h, bids, asks));
          const again = decoded(enc.encodeMessage(original));
          expect(again).toEqual(original);
          if (!heartbeat) {
            expect(again.bids()).toEqual(bids);
            expect(again.asks()).toEqual(asks);
          } else {
            expect(again.heartbeat.info).toBe(info);
          }
        }),
      { numRuns: 300 },
    );
  });
});

describe('encoder memory', () => {
  it('slab mode never overwrites a view it returned (nats.js keeps payloads until flush)', () => {
    const enc = new WireEncoder({ slabBytes: 300 });
    const views = Array.from({ length: 20 }, (_, i) => enc.encodeDelta({ ...header, seq: i + 1 }, changes));
    views.forEach((v, i) => expect(decoded(v).seq).toBe(i + 1));
  });

  it('reuse mode writes every message at the same place and grows when needed', () => {
    const enc = new WireEncoder({ mode: 'reuse', slabBytes: 256 });
    const a = enc.encodeDelta(header, changes);
    const big = Array.from({ length: 100 }, (_, i): LevelChange => ({ side: 'bid', price: i + 1, size: 1 }));
    const b = enc.encodeDelta(header, big);
    expect(b.byteOffset).toBe(0);
    expect(decoded(b).levelCount).toBe(100);
    const c = enc.encodeDelta({ ...header, seq: 99 }, changes);
    expect(c.buffer).toBe(b.buffer);
    expect(decoded(c).seq).toBe(99);
    expect(a.byteOffset).toBe(0);
  });

  it('stampPublishTime patches only the publish timestamp', () => {
    const bytes = new WireEncoder().encodeDelta(header, changes);
    const before = Array.from(bytes);
    stampPublishTime(bytes, 8_000_000_000_123);
    const m = decoded(bytes);
    expect(m.pubMonoNs).toBe(8_000_000_000_123);
    const changed = Array.from(bytes).flatMap((b, i) => (b !== before[i] ? [i] : []));
    expect(changed.every((i) => i >= Offset.pubMonoNs && i < Offset.pubMonoNs + 8)).toBe(true);
    expect(changed.length).toBeGreaterThan(0);
  });

  it('refuses values that cannot be carried exactly', () => {
    const enc = new WireEncoder();
    expect(() => enc.encodeDelta(header, [{ side: 'bid', price: 1.5, size: 1 }])).toThrow(/price must be a safe integer/);
    expect(() => enc.encodeDelta(header, [{ side: 'bid', price: 1, size: -1 }])).toThrow(/size must be a non-negative/);
    expect(() => enc.encodeDelta({ ...header, symbol: 'X'.repeat(256) }, [])).toThrow(/symbol is 256 UTF-8 bytes/);
    expect(() => enc.encodeDelta({ ...header, format: { priceDecimals: 19, sizeDecimals: 0 } }, [])).toThrow(/priceDecimals/);
  });
});

describe('bad input', () => {
  const valid = new WireEncoder().encodeDelta(header, changes).slice();

  it('rejects another version clearly', () => {
    const bytes = valid.slice();
    bytes[0] = 2;
    expect(decode(bytes)).toEqual({ ok: false, code: 'bad-version', detail: 'unsupported wire version 2 (this decoder reads 1)' });
  });

  it('every truncation of a valid message is reported as truncated', () => {
    for (let n = 0; n < valid.length; n++) {
      const r = decode(valid.subarray(0, n));
      expect(r.ok, `length ${n}`).toBe(false);
      if (!r.ok) expect(r.code).toBe('truncated');
    }
  });

  it('trailing bytes, unknown types, bad UTF-8 and oversized integers are rejected', () => {
    const longer = new Uint8Array(valid.length + 1);
    longer.set(valid);
    expect(decode(longer)).toMatchObject({ ok: false, code: 'bad-length' });

    const badType = valid.slice();
    badType[Offset.type] = 9;
    expect(decode(badType)).toMatchObject({ ok: false, code: 'bad-type', detail: 'unknown message type 9' });

    const badUtf8 = valid.slice();
    badUtf8[HEADER_BYTES] = 0xff;
    expect(decode(badUtf8)).toMatchObject({ ok: false, code: 'bad-utf8' });

    const hugeSize = valid.slice();
    hugeSize[HEADER_BYTES + 9 + 8 + 15] = 0x01; // size high byte: 2^56
    expect(decode(hugeSize)).toMatchObject({ ok: false, code: 'out-of-range' });

    const hugeCount = valid.slice();
    hugeCount.set([0xff, 0xff, 0xff, 0xff], HEADER_BYTES + 9);
    expect(decode(hugeCount)).toMatchObject({ ok: false, code: 'truncated' });
  });

  it('property: random bytes never throw', () => {
    const target = new WireMessage(1);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.boolean(), (bytes, plausible) => {
        // Half the cases get a valid version and type so the decoder reaches the deeper checks.
        if (plausible && bytes.length > 2) {
          bytes[0] = 1;
          bytes[1] = 1 + (bytes[1]! % 3);
        }
        const r = decodeInto(bytes, target);
        expect(typeof r.ok).toBe('boolean');
      }),
      { numRuns: 3000 },
    );
  });

  it('property: corrupting bytes of a valid message never throws', () => {
    const target = new WireMessage(1);
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat({ max: valid.length - 1 }), fc.nat({ max: 255 })), { minLength: 1, maxLength: 6 }), (edits) => {
        const bytes = valid.slice();
        for (const [at, v] of edits) bytes[at] = v;
        const r = decodeInto(bytes, target);
        if (r.ok) expect(target.levelCount).toBeLessThanOrEqual(3);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('JSON rendering', () => {
  it('renders exact decimal strings in the message\'s own format', () => {
    const m = decoded(new WireEncoder().encodeDelta({ ...header, flags: Flags.REPLY | 0x8000 }, changes));
    expect(toJson(m)).toEqual({
      type: 'delta', version: 1, flags: ['REPLY', '0x8000'], epoch: 7, exchange: 'NYSE', symbol: 'BRK.B', seq: 42,
      exchSeq: 1_000_001, exchTsUs: 1_700_000_000_123_456, recvMonoNs: 9_007_199_254_740_000, pubMonoNs: 0,
      bids: [['123.4400', '100'], ['123.4300', '0']],
      asks: [['123.4500', '300']],
    });
    expect(toJson(m, { priceDecimals: 2, sizeDecimals: 1 }).asks).toEqual([['12345.00', '30.0']]);
  });

  it('renders heartbeats without levels', () => {
    const m = decoded(new WireEncoder().encodeHeartbeat({ epoch: 1, seq: 2, publisherId: 'a', symbols: 0, published: 0 }));
    expect(toJson(m)).toMatchObject({ type: 'heartbeat', heartbeat: { publisherId: 'a', symbols: 0, published: 0, info: '' } });
    expect(toJson(m).bids).toBeUndefined();
  });
});

describe('speed sanity (the benchmark is services/wire/wire-bench.ts)', () => {
  it('encodes and decodes 100k small deltas well under a second each', () => {
    const enc = new WireEncoder();
    const target = new WireMessage();
    const n = 100_000;
    let t = performance.now();
    let last: Uint8Array = new Uint8Array(0);
    for (let i = 0; i < n; i++) last = enc.encodeDelta({ ...header, seq: i + 1 }, changes);
    const encodeMs = performance.now() - t;
    t = performance.now();
    for (let i = 0; i < n; i++) decodeInto(last, target);
    const decodeMs = performance.now() - t;
    expect(target.seq).toBe(n);
    // Generous bounds for a shared 2-core box: real figures are ~10x better.
    expect(encodeMs).toBeLessThan(2000);
    expect(decodeMs).toBeLessThan(2000);
  });
});
