import { L2Book } from '../marketdata/book/l2-book.js';
import { decode, Flags, WireEncoder } from '../wire/index.js';
import type { FeedUpdate } from './feed-update.js';
import { PublishEngine, type BookSlot } from './publish-engine.js';
import { BookMirror } from '../mirror/book-mirror.js';
import { levelsPerMessage } from '../wire/layout.js';

const base = { exchange: 'NYSE', symbol: 'BRK.B', format: { priceDecimals: 2, sizeDecimals: 0 }, exchTsUs: 1, recvMonoNs: 2, recvWallUs: 3, atUs: 0 };
const delta = (exchSeq: number, side: 'bid' | 'ask', price: number, size: number): FeedUpdate => ({ ...base, kind: 'delta', exchSeq, changes: [{ side, price, size }] });

describe('PublishEngine', () => {
  it('publishes only changes, with contiguous per-symbol sequences on the encoded subject', () => {
    const e = new PublishEngine({ epoch: 3, dataSuffix: 'orderbook', snapshotDepth: 10 });
    const a = e.apply(delta(10, 'bid', 100, 5))!;
    expect(a.subject).toBe('NYSE.BRK~2EB.orderbook');
    expect(e.apply(delta(11, 'bid', 100, 5))).toBeUndefined(); // no change, no message
    const b = e.apply(delta(12, 'ask', 101, 7))!;
    const m = decode(b.payload);
    if (!m.ok) throw new Error(m.detail);
    expect([m.message.type, m.message.seq, m.message.epoch, m.message.exchSeq, m.message.symbol]).toEqual(['delta', 2, 3, 12, 'BRK.B']);
    expect([m.message.askCount, m.message.prices[0], m.message.sizes[0]]).toEqual([1, 101, 7]);
  });

  it('answers snapshot requests flagged REPLY, and TRUNCATED when the book is deeper than the limit', () => {
    const e = new PublishEngine({ epoch: 1, dataSuffix: 'orderbook', snapshotDepth: 2 });
    for (let i = 0; i < 3; i++) e.apply(delta(i + 1, 'bid', 100 - i, 1 + i));
    const m = decode(e.snapshot('NYSE', 'BRK.B')!);
    if (!m.ok) throw new Error(m.detail);
    expect(m.message.type).toBe('snapshot');
    expect(m.message.seq).toBe(3);
    expect(m.message.flags & Flags.REPLY).toBe(Flags.REPLY);
    expect(m.message.flags & Flags.TRUNCATED).toBe(Flags.TRUNCATED);
    expect(m.message.bidCount).toBe(2);
    expect(e.snapshot('NYSE', 'NOPE')).toBeUndefined();
  });

  it.each([false, true])('splits a snapshot above max_payload into flagged parts a mirror reassembles, and a huge delta into sequenced deltas (transient payloads: %s)', (transientPayloads) => {
    const e = new PublishEngine({ epoch: 1, dataSuffix: 'orderbook', snapshotDepth: 10_000, maxPayloadBytes: 4096, transientPayloads });
    const per = levelsPerMessage(4096);
    const bids = Array.from({ length: 300 }, (_, i): [number, number] => [1000 - i, i + 1]);
    const asks = Array.from({ length: 250 }, (_, i): [number, number] => [1001 + i, i + 1]);
    const out = e.apply({ ...base, kind: 'snapshot', exchSeq: 1, bids, asks })!;
    const parts = [out.payload, ...(out.more ?? [])].map((p) => { const r = decode(p); if (!r.ok) throw new Error(r.detail); expect(p.length).toBeLessThanOrEqual(4096); return r.message; });
    expect(parts.length).toBe(Math.ceil(550 / per));
    expect(parts.map((m) => m.seq)).toEqual(parts.map(() => 1));
    expect(parts.map((m) => [(m.flags & Flags.MORE) !== 0, (m.flags & Flags.CONTINUATION) !== 0])).toEqual(parts.map((_, i) => [i < parts.length - 1, i > 0]));
    const mirror = new BookMirror('NYSE', 'BRK.B', base.format);
    expect(parts.map((m) => mirror.onMessage(m))).toEqual(parts.map((_, i) => (i < parts.length - 1 ? 'buffered' : 'resynced')));
    const [dumped] = e.dump();
    expect(mirror.book.snapshot()).toEqual({ bids: dumped!.bids, asks: dumped!.asks });
    // A part missed: the continuation alone is useless and says so.
    const lost = new BookMirror('NYSE', 'BRK.B', base.format);
    expect(lost.onMessage(parts[1]!)).toBe('stale-snapshot');
    expect(lost.isLive).toBe(false);
    // The reply path splits the same way.
    expect(e.snapshotReply('NYSE', 'BRK.B')!.length).toBe(parts.length);
    // A delta touching more levels than fit becomes consecutive deltas.
    const big = e.apply({ ...base, kind: 'delta', exchSeq: 2, changes: Array.from({ length: 500 }, (_, i) => ({ side: 'bid' as const, price: 2000 + i, size: 1 })) })!;
    const ds = [big.payload, ...(big.more ?? [])].map((p) => { const r = decode(p); if (!r.ok) throw new Error(r.detail); return r.message.seq; });
    expect(ds).toEqual(Array.from({ length: Math.ceil(500 / per) }, (_, i) => 2 + i));
    // Every part keeps its own bytes (a reused encoder buffer must not show through).
    const prices = [big.payload, ...(big.more ?? [])].flatMap((p) => { const r = decode(p); if (!r.ok) throw new Error(r.detail); return [...r.message.prices.subarray(0, r.message.levelCount)]; });
    expect(prices).toEqual(Array.from({ length: 500 }, (_, i) => 2000 + i));
  });

  it('with transient payloads, a delta of a length seen before reuses one view (no allocation) and keeps the same bytes as the slab engine', () => {
    const slab = new PublishEngine({ epoch: 1, dataSuffix: 'orderbook', snapshotDepth: 100 });
    const reuse = new PublishEngine({ epoch: 1, dataSuffix: 'orderbook', snapshotDepth: 100, transientPayloads: true });
    let prev: Uint8Array | undefined;
    for (let i = 0; i < 50; i++) {
      const u = { ...base, kind: 'delta' as const, exchSeq: i + 1, changes: [{ side: 'bid' as const, price: 100 + (i % 7), size: i + 1 }] };
      const a = slab.apply(u)!.payload;
      const b = reuse.apply(u)!.payload;
      expect([...b]).toEqual([...a]);
      if (prev) expect(b).toBe(prev);
      prev = b;
    }
  });

  it('encodes deltas straight from the book with the same bytes as the LevelChange path', () => {
    const a = new L2Book('NYSE', 'X', base.format);
    const b = new L2Book('NYSE', 'X', base.format);
    const header = { exchange: 'NYSE', symbol: 'X', format: base.format, epoch: 2, seq: 1, exchSeq: 9, exchTsUs: 8, recvMonoNs: 7 };
    const ops: Array<['bid' | 'ask', number, number]> = [['ask', 105, 3], ['bid', 99, 4], ['bid', 100, 2], ['ask', 104, 1], ['bid', 99, 0], ['ask', 105, 6]];
    for (const [side, price, size] of ops) { a.set(side, price, size); b.set(side, price, size); }
    const viaChanges = new WireEncoder().encodeDelta(header, a.takeDeltas());
    const direct = new WireEncoder().encodeDeltaFrom(header, b);
    expect(Buffer.from(direct).equals(Buffer.from(viaChanges))).toBe(true);
    expect(b.pendingDeltas('bid') + b.pendingDeltas('ask')).toBe(0);
  });

  it('keeps books per exchange and symbol apart (no key collisions) and counts them', () => {
    const e = new PublishEngine({ epoch: 1, dataSuffix: 'orderbook', snapshotDepth: 10 });
    e.apply({ ...delta(1, 'bid', 100, 5), exchange: 'A', symbol: 'BC' });
    e.apply({ ...delta(1, 'bid', 100, 6), exchange: 'AB', symbol: 'C' });
    for (let k = 0; k < 10_000; k++) e.apply({ ...delta(1, 'ask', 100 + k, 1), symbol: `S${k}` });
    expect(e.size).toBe(10_002);
    expect(e.dump().filter((d) => d.exchange !== 'NYSE').map((d) => d.bids[0]![1])).toEqual([5, 6]);
  });

  it('coalescing: staged changes of one symbol go out as one delta with the next sequence, equal to applying them one by one', () => {
    const one = new PublishEngine({ epoch: 1, dataSuffix: 'orderbook', snapshotDepth: 100 });
    const packed = new PublishEngine({ epoch: 1, dataSuffix: 'orderbook', snapshotDepth: 100, coalesce: true });
    const ups = [delta(1, 'bid', 100, 5), delta(2, 'ask', 101, 7), delta(3, 'bid', 100, 0), delta(4, 'bid', 99, 2), { ...delta(5, 'bid', 99, 3), recvMonoNs: 50 }];
    for (const u of ups) one.apply(u);
    const first = packed.stage(ups[0]!);
    expect(first).toBeDefined();
    for (const u of ups.slice(1)) expect(packed.stage(u)).toBeUndefined(); // already staged
    const out = packed.emit(first!)!;
    const m = decode(out.payload);
    if (!m.ok) throw new Error(m.detail);
    // One message, sequence 1, last exchange sequence, the first update's receive time; the
    // net changes: bid 100 deleted (it came and went), bid 99 at 3, ask 101 at 7.
    expect([m.message.seq, m.message.exchSeq, m.message.recvMonoNs, m.message.bidCount, m.message.askCount]).toEqual([1, 5, 2, 2, 1]);
    expect(packed.emit(first!)).toBeUndefined(); // nothing staged any more
    expect(packed.dump().map((d) => [d.bids, d.asks])).toEqual(one.dump().map((d) => [d.bids, d.asks]));
    // The next staged turn continues the sequence.
    const again = packed.stage(delta(6, 'ask', 102, 1))!;
    const m2 = decode(packed.emit(again)!.payload);
    if (!m2.ok) throw new Error(m2.detail);
    expect(m2.message.seq).toBe(2);
  });

  it('a rebuilding engine stages deltas only for books it holds again; a stale marker drops staged changes but never touches an owned venue book', () => {
    const e = new PublishEngine({ epoch: 1, dataSuffix: 'orderbook', snapshotDepth: 100, requireSnapshot: true, coalesce: true });
    expect(e.canStage(delta(1, 'bid', 100, 5))).toBe(false);
    e.apply({ ...base, kind: 'snapshot', exchSeq: 2, bids: [[100, 1]], asks: [[101, 1]] });
    expect(e.canStage(delta(3, 'bid', 100, 5))).toBe(true);
    const st = e.stage(delta(3, 'bid', 99, 4))!;
    e.apply({ ...base, kind: 'stale', exchSeq: 0 });
    expect(e.emit(st)).toBeUndefined();
    // A venue sync's own book: its pending changes belong to the sync, not to the stale marker.
    const owned = new L2Book('NYSE', 'OWN', base.format);
    e.apply({ ...base, symbol: 'OWN', kind: 'snapshot', exchSeq: 1, book: owned });
    owned.set('bid', 50, 1);
    e.apply({ ...base, symbol: 'OWN', kind: 'stale', exchSeq: 0 });
    expect(owned.pendingDeltas('bid')).toBe(1);
  });

  it('a router slot finds the book without a lookup by the engine, and stays right across a format change and another engine', () => {
    const withSlot = new PublishEngine({ epoch: 1, dataSuffix: 'orderbook', snapshotDepth: 10 });
    const plain = new PublishEngine({ epoch: 1, dataSuffix: 'orderbook', snapshotDepth: 10 });
    const slot: BookSlot = { owner: undefined, state: undefined };
    const updates: FeedUpdate[] = [
      delta(1, 'bid', 100, 5), delta(2, 'ask', 101, 3), delta(3, 'bid', 100, 0),
      // The venue changed its decimals: a new book under the same sequence line.
      { ...base, kind: 'snapshot', exchSeq: 4, format: { priceDecimals: 3, sizeDecimals: 1 }, bids: [[1000, 20]], asks: [[1010, 30]] },
      { ...base, kind: 'delta', exchSeq: 5, format: { priceDecimals: 3, sizeDecimals: 1 }, changes: [{ side: 'bid', price: 999, size: 10 }] },
    ];
    for (const u of updates) {
      const a = withSlot.apply(u, slot);
      const aBytes = a && [a.subject, Array.from(a.payload.subarray(0, 8)), Array.from(a.payload.subarray(16))];
      const b = plain.apply(u);
      expect(aBytes).toEqual(b && [b.subject, Array.from(b.payload.subarray(0, 8)), Array.from(b.payload.subarray(16))]);
    }
    expect(slot.owner).toBe(withSlot);
    const held = slot.state!;
    expect(held.seq).toBe(5);
    expect(held.book.format).toEqual({ priceDecimals: 3, sizeDecimals: 1 });
    expect(withSlot.dump()).toEqual(plain.dump());
    // A slot filled by another engine is not trusted: this engine looks the book up and takes the slot over.
    const other = new PublishEngine({ epoch: 1, dataSuffix: 'orderbook', snapshotDepth: 10 });
    other.apply(delta(1, 'bid', 7, 1), slot);
    expect(slot.owner).toBe(other);
    expect(withSlot.apply(delta(6, 'ask', 1020, 2), slot)).toBeDefined();
    expect(slot.owner).toBe(withSlot);
    expect(slot.state).toBe(held);
    expect(held.seq).toBe(6);
  });

  it('without coalescing, books keep no touched prices and every routed delta is byte for byte what a tracked book publishes', () => {
    const plain = new PublishEngine({ epoch: 1, dataSuffix: 'orderbook', snapshotDepth: 50, maxPayloadBytes: 2048 });
    const tracked = new PublishEngine({ epoch: 1, dataSuffix: 'orderbook', snapshotDepth: 50, maxPayloadBytes: 2048, coalesce: true });
    let x = 11;
    const rand = (n: number) => { x = (x * 1103515245 + 12345) % 2 ** 31; return x % n; };
    for (let i = 0; i < 4000; i++) {
      const sym = `S${rand(7)}`;
      // 1-3 changes, often the same price twice (set then changed back, or set then deleted), or no change at all;
      // now and then a delta too large for one message, and a snapshot.
      const n = i % 500 === 499 ? 200 : 1 + rand(3);
      const changes = Array.from({ length: n }, () => ({ side: rand(2) === 0 ? 'bid' as const : 'ask' as const, price: 1000 + rand(n > 3 ? 400 : 6), size: rand(4) }));
      const u: FeedUpdate = i % 777 === 0
        ? { ...base, symbol: sym, kind: 'snapshot', exchSeq: i, bids: [[990, 1]], asks: [[1010, 2]] }
        : { ...base, symbol: sym, kind: 'delta', exchSeq: i, changes };
      const a = plain.apply(u);
      const aBytes = a && [a.subject, ...[a.payload, ...(a.more ?? [])].map((p) => Array.from(p))];
      const b = tracked.apply(u);
      expect(aBytes).toEqual(b && [b.subject, ...[b.payload, ...(b.more ?? [])].map((p) => Array.from(p))]);
    }
    expect(plain.dump()).toEqual(tracked.dump());
    expect(plain.canStage(delta(1, 'bid', 1, 1))).toBe(false);
    expect(() => plain.stage(delta(1, 'bid', 1, 1))).toThrow(/coalesce/);
  });

  it('one routed delta of 200,000 levels (a broken upstream) is encoded in linear time, split into sequenced parts', () => {
    const e = new PublishEngine({ epoch: 1, dataSuffix: 'orderbook', snapshotDepth: 50 });
    // Each level better than the last on its side, so the book appends (what is timed is the delta).
    const changes = Array.from({ length: 200_000 }, (_, i) => ({ side: i % 2 === 0 ? 'bid' as const : 'ask' as const, price: i % 2 === 0 ? 1 + i : 10_000_000 - i, size: 1 }));
    const t0 = performance.now();
    const out = e.apply({ ...base, kind: 'delta', exchSeq: 1, changes })!;
    // A pairwise de-duplication would take minutes here.
    expect(performance.now() - t0).toBeLessThan(5_000);
    const parts = [out.payload, ...(out.more ?? [])].map((p) => { const r = decode(p); if (!r.ok) throw new Error(r.detail); return r.message; });
    expect(parts.reduce((a, m) => a + m.levelCount, 0)).toBe(200_000);
    expect(parts.map((m) => m.seq)).toEqual(parts.map((_, i) => i + 1));
  });
});
