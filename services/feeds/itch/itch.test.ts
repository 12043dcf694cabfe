import fc from 'fast-check';
import { decodeItch, encodeItch, stockDirectory } from './codec.js';
import { ItchFeed } from './feed.js';
import { detectFraming, replayItch } from './files.js';
import { MESSAGE_LENGTH, type ItchMessage } from './messages.js';
import { MoldSequencer, decodeMoldPacket, encodeMoldEndOfSession, encodeMoldHeartbeat, encodeMoldPacket, splitItchStream } from './moldudp64.js';

const h = (timestampNs: number, stockLocate = 1) => ({ stockLocate, trackingNumber: 7, timestampNs });
const T0 = 34_200_000_000_000; // 09:30:00 in ns since midnight

/** A small trading session over two symbols, with every book-building message type. */
function session(): ItchMessage[] {
  return [
    { type: 'S', ...h(T0 - 1, 0), eventCode: 'O' },
    stockDirectory(1, 'AAPL', T0),
    stockDirectory(2, 'BRK.B', T0),
    { type: 'A', ...h(T0 + 1), orderRef: 1, side: 'B', shares: 100, stock: 'AAPL', price: 5853300 },
    { type: 'A', ...h(T0 + 2), orderRef: 2, side: 'B', shares: 50, stock: 'AAPL', price: 5853300 },
    { type: 'F', ...h(T0 + 3), orderRef: 3, side: 'B', shares: 200, stock: 'AAPL', price: 5853200, attribution: 'GSCO' },
    { type: 'A', ...h(T0 + 4), orderRef: 4, side: 'S', shares: 300, stock: 'AAPL', price: 5859400 },
    { type: 'A', ...h(T0 + 5), orderRef: 5, side: 'S', shares: 10, stock: 'AAPL', price: 5859100 },
    { type: 'A', ...h(T0 + 6, 2), orderRef: 2 ** 40 + 6, side: 'S', shares: 7, stock: 'BRK.B', price: 1_000_000 },
    { type: 'E', ...h(T0 + 7), orderRef: 1, executedShares: 40, matchNumber: 9001 },
    { type: 'C', ...h(T0 + 8), orderRef: 5, executedShares: 10, matchNumber: 9002, printable: 'Y', executionPrice: 5859000 },
    { type: 'X', ...h(T0 + 9), orderRef: 3, cancelledShares: 150 },
    { type: 'D', ...h(T0 + 10), orderRef: 2 },
    { type: 'U', ...h(T0 + 11), originalOrderRef: 4, newOrderRef: 8, shares: 250, price: 5859300 },
    { type: 'S', ...h(T0 + 12, 0), eventCode: 'C' },
  ];
}

/** A Trade (P) message, which the decoder skips by length. */
const tradeMessage = () => {
  const b = new Uint8Array(MESSAGE_LENGTH.P!);
  b[0] = 'P'.charCodeAt(0);
  return b;
};

describe('ITCH 5.0 codec', () => {
  it('encodes with the published lengths and layouts, and decodes back to the same message', () => {
    for (const m of session()) {
      const bytes = encodeItch(m);
      expect(bytes.length).toBe(MESSAGE_LENGTH[m.type]);
      expect(decodeItch(bytes)).toEqual(m);
    }
  });

  it('puts fields where the spec says (Add Order, byte by byte)', () => {
    const bytes = encodeItch({ type: 'A', stockLocate: 0x0102, trackingNumber: 0x0304, timestampNs: 0x050607080910, orderRef: 0x1112131415161718 % 2 ** 53, side: 'S', shares: 0x191a1b1c, stock: 'AAPL', price: 0x1d1e1f20 });
    const hex = Buffer.from(bytes).toString('hex');
    expect(hex.slice(0, 22)).toBe('41' + '0102' + '0304' + '050607080910');
    expect(String.fromCharCode(bytes[19]!)).toBe('S');
    expect(hex.slice(40, 48)).toBe('191a1b1c');
    expect(Buffer.from(bytes.subarray(24, 32)).toString('latin1')).toBe('AAPL    ');
    expect(hex.slice(64, 72)).toBe('1d1e1f20');
  });

  it('skips known non-book types by length and reports unknown, short, long and garbled messages', () => {
    expect(decodeItch(tradeMessage())).toEqual({ type: 'skipped', itchType: 'P', length: 44 });
    expect(decodeItch(Uint8Array.of(0x5a, 1, 2))).toMatchObject({ kind: 'unknown-type' });
    expect(decodeItch(new Uint8Array(0))).toMatchObject({ kind: 'truncated' });
    const add = encodeItch(session()[3]!);
    expect(decodeItch(add.subarray(0, 30))).toMatchObject({ kind: 'truncated' });
    expect(decodeItch(Uint8Array.from([...add, 0]))).toMatchObject({ kind: 'malformed' });
    const badSide = add.slice();
    badSide[19] = 'Q'.charCodeAt(0);
    expect(decodeItch(badSide)).toMatchObject({ kind: 'malformed', detail: expect.stringMatching(/side/) });
    const badStock = add.slice();
    badStock[25] = 0x01;
    expect(decodeItch(badStock)).toMatchObject({ kind: 'malformed', detail: expect.stringMatching(/stock/) });
    const hugeRef = add.slice();
    hugeRef[11] = 0xff;
    expect(decodeItch(hugeRef)).toMatchObject({ kind: 'malformed', detail: expect.stringMatching(/2\^53/) });
  });

  it('never throws on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 60 }), fc.constantFrom(...Object.keys(MESSAGE_LENGTH)), (bytes, type) => {
        decodeItch(bytes);
        const typed = Uint8Array.from([type.charCodeAt(0), ...bytes]);
        const r = decodeItch(typed);
        expect(r).toBeTypeOf('object');
      }),
      { numRuns: 3000 },
    );
  });
});

describe('MoldUDP64', () => {
  it('round-trips data packets, heartbeats and end of session', () => {
    const msgs = session().slice(0, 3).map(encodeItch);
    const p = decodeMoldPacket(encodeMoldPacket('SESSION001', 2 ** 33 + 5, msgs));
    expect(p).toMatchObject({ kind: 'data', session: 'SESSION001', sequence: 2 ** 33 + 5 });
    if ('detail' in p) throw new Error(p.detail);
    expect(p.messages.map((m) => Buffer.from(m).toString('hex'))).toEqual(msgs.map((m) => Buffer.from(m).toString('hex')));
    expect(decodeMoldPacket(encodeMoldHeartbeat('S1', 9))).toEqual({ kind: 'heartbeat', session: 'S1        ', sequence: 9, messages: [] });
    expect(decodeMoldPacket(encodeMoldEndOfSession('S1', 9))).toMatchObject({ kind: 'end-of-session', sequence: 9 });
  });

  it('reports short and inconsistent packets', () => {
    const good = encodeMoldPacket('S', 1, [encodeItch(session()[0]!)]);
    expect(decodeMoldPacket(good.subarray(0, 10))).toMatchObject({ kind: 'truncated' });
    expect(decodeMoldPacket(good.subarray(0, good.length - 1))).toMatchObject({ kind: 'truncated' });
    expect(decodeMoldPacket(Uint8Array.from([...good, 9]))).toMatchObject({ kind: 'malformed' });
    expect(decodeMoldPacket(Uint8Array.from([...encodeMoldHeartbeat('S', 1), 0]))).toMatchObject({ kind: 'malformed' });
    fc.assert(fc.property(fc.uint8Array({ maxLength: 80 }), (b) => void decodeMoldPacket(b)), { numRuns: 3000 });
  });

  it('detects gaps by sequence number, drops duplicates, and notices a gap from a heartbeat', () => {
    const s = new MoldSequencer();
    const pkt = (seq: number, n: number) => {
      const p = decodeMoldPacket(encodeMoldPacket('S', seq, Array.from({ length: n }, () => Uint8Array.of(1))));
      if ('detail' in p) throw new Error(p.detail);
      return p;
    };
    const beat = (seq: number) => decodeMoldPacket(encodeMoldHeartbeat('S', seq)) as Exclude<ReturnType<typeof decodeMoldPacket>, { detail: string }>;
    expect(s.accept(pkt(1, 3))).toMatchObject({ deliver: [{ sequence: 1 }, { sequence: 2 }, { sequence: 3 }], duplicates: 0 });
    expect(s.accept(pkt(4, 2)).gap).toBeUndefined();
    const gapped = s.accept(pkt(9, 1));
    expect(gapped.gap).toEqual({ from: 6, to: 8 });
    expect(gapped.deliver.map((m) => m.sequence)).toEqual([9]);
    const dup = s.accept(pkt(8, 3)); // 8 and 9 already seen or skipped, 10 is new
    expect(dup.duplicates).toBe(2);
    expect(dup.deliver.map((m) => m.sequence)).toEqual([10]);
    expect(s.accept(beat(11)).gap).toBeUndefined();
    expect(s.accept(beat(14)).gap).toEqual({ from: 11, to: 13 });
    expect(s.expected).toBe(14);
    const other = decodeMoldPacket(encodeMoldPacket('OTHER', 14, [Uint8Array.of(1)]));
    if ('detail' in other) throw new Error(other.detail);
    expect(s.accept(other).foreignSession).toBe(true);
    const end = decodeMoldPacket(encodeMoldEndOfSession('S', 14));
    if ('detail' in end) throw new Error(end.detail);
    s.accept(end);
    expect(s.ended).toBe(true);
    expect(s.accept(pkt(14, 1)).afterEnd).toBe(true);
  });
});

describe('ITCH session -> L3 books -> L2', () => {
  const expectBooks = (feed: ItchFeed) => {
    const aapl = feed.books.get('AAPL')!;
    // Bids: order 1 (100 - 40 executed) at 585.33, order 3 (200 - 150 cancelled) at 585.32; order 2 deleted.
    // Asks: order 5 fully executed; order 4 replaced by order 8 at 585.93 for 250.
    expect(aapl.l2.snapshot()).toEqual({ bids: [[5853300, 60], [5853200, 50]], asks: [[5859300, 250]] });
    expect(aapl.order(8)).toEqual({ side: 'ask', price: 5859300, size: 250 });
    expect(aapl.orderCount).toBe(3);
    expect(feed.books.get('BRK.B')!.l2.bestAsk()).toEqual([1_000_000, 7]);
  };

  it('an encoded session round-trips through MoldUDP64 and builds the expected books', () => {
    const msgs = session().map(encodeItch);
    const events: string[] = [];
    const feed = new ItchFeed({ midnightUs: 1_000_000, onEvent: (e) => events.push(`${e.type}:${e.symbol}:${e.exchSeq}`) });
    // 3 packets, plus a trade message the book does not need.
    feed.handlePacket(encodeMoldPacket('NASDAQ0001', 1, msgs.slice(0, 5)));
    feed.handlePacket(encodeMoldPacket('NASDAQ0001', 6, [...msgs.slice(5, 10), tradeMessage()]));
    feed.handlePacket(encodeMoldPacket('NASDAQ0001', 12, msgs.slice(10)));
    feed.handlePacket(encodeMoldEndOfSession('NASDAQ0001', 12 + msgs.length - 10));
    expectBooks(feed);
    expect(feed.summary()).toMatchObject({ messages: 16, events: 13, books: 2, skipped_messages: 1, gaps: 0, problems: 0, end_of_session: true, packets: 4 });
    expect(events[0]).toBe('status::1');
    expect(events[1]).toBe('order-add:AAPL:4');
  });

  it('tags events with the exchange timestamp and MoldUDP64 sequence', () => {
    const seen: Array<{ exchSeq: number; exchTsUs: number }> = [];
    const feed = new ItchFeed({ midnightUs: 1_600_000_000_000_000, onEvent: (e) => seen.push(e) });
    feed.handlePacket(encodeMoldPacket('S', 100, session().slice(1, 4).map(encodeItch)));
    expect(seen).toEqual([expect.objectContaining({ type: 'order-add', symbol: 'AAPL', exchSeq: 102, exchTsUs: 1_600_000_000_000_000 + Math.floor((T0 + 1) / 1000) })]);
  });

  it('a MoldUDP64 gap is detected and reported; later unknown orders are counted, not thrown', () => {
    const msgs = session().map(encodeItch);
    const feed = new ItchFeed();
    feed.handlePacket(encodeMoldPacket('S', 1, msgs.slice(0, 5)));
    // Packet with sequences 6..10 is lost.
    feed.handlePacket(encodeMoldPacket('S', 11, msgs.slice(10)));
    const s = feed.summary();
    expect(s.gaps).toBe(1);
    expect(s.missing_messages).toBe(5);
    expect(feed.problems[0]).toMatchObject({ kind: 'gap', at: 6, detail: expect.stringMatching(/6\.\.10 missing/) });
    // Orders 3, 4, 5 were in the lost packet: their execute/cancel/replace name unknown ids.
    expect(s.unknown_orders).toBe(3);
  });

  it('the same session as a historical length-prefixed file builds the same books', () => {
    const parts: number[] = [];
    for (const m of session().map(encodeItch)) parts.push(m.length >> 8, m.length & 0xff, ...m);
    const file = Uint8Array.from(parts);
    expect(detectFraming(file)).toBe('stream');
    const { summary, feed } = replayItch(file);
    expectBooks(feed);
    expect(summary).toMatchObject({ messages: 15, events: 13, problems: 0 });
    expect([...splitItchStream(file.subarray(0, file.length - 3))].at(-1)).toMatchObject({ kind: 'truncated' });
  });

  it('back-to-back MoldUDP64 packets in a file are split and replayed', () => {
    const msgs = session().map(encodeItch);
    const file = Buffer.concat([encodeMoldPacket('S', 1, msgs.slice(0, 7)), encodeMoldHeartbeat('S', 8), encodeMoldPacket('S', 8, msgs.slice(7))]);
    expect(detectFraming(file)).toBe('mold');
    const { summary, feed } = replayItch(file);
    expectBooks(feed);
    expect(summary).toMatchObject({ packets: 3, heartbeats: 1, gaps: 0, problems: 0 });
  });

  it('counts garbage instead of throwing, whatever the bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        const r = replayItch(bytes);
        expect(r.summary.problems).toBeGreaterThanOrEqual(0);
        const f = new ItchFeed();
        f.handlePacket(bytes);
        f.handleStream(bytes);
      }),
      { numRuns: 2000 },
    );
    const feed = new ItchFeed();
    feed.handleMessage(Uint8Array.of(0x5a), 1);
    feed.handleMessage(encodeItch({ type: 'D', ...h(1, 99), orderRef: 5 }), 2);
    expect(feed.summary()).toMatchObject({ unknown_types: 1, malformed: 1, problems: 2 });
  });
});
