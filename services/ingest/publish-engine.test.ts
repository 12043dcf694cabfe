import { decode, Flags } from '../wire/index.js';
import type { FeedUpdate } from './feed-update.js';
import { PublishEngine } from './publish-engine.js';
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

  it('splits a snapshot above max_payload into flagged parts a mirror reassembles, and a huge delta into sequenced deltas', () => {
    const e = new PublishEngine({ epoch: 1, dataSuffix: 'orderbook', snapshotDepth: 10_000, maxPayloadBytes: 4096 });
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
  });
});
