import { formatLevels } from '../../marketdata/book/l2-book.js';
import { keepFrame, type RecoveryIo } from '../live.js';
import type { SyncResult } from '../sync.js';
import { coinbaseAdvancedLive } from './advanced-live.js';
import { ConnectionSequence } from './advanced-sequence.js';
import { decodeCoinbaseFrame } from './decode.js';
import { coinbaseKeeper } from './keeper.js';
import { CoinbaseSync } from './sync.js';

const STAMP = { recvMonoNs: 3, recvWallUs: 4 };
type Lv = [side: 'bid' | 'offer', price: string, size: string];

/** Frames as Coinbase Advanced Trade sends them. */
const frame = {
  l2: (seq: number, type: 'snapshot' | 'update', product: string, levels: Lv[]) => JSON.stringify({
    channel: 'l2_data', client_id: '', timestamp: '2024-05-01T10:00:00.123456789Z', sequence_num: seq,
    events: [{ type, product_id: product, updates: levels.map(([side, price_level, new_quantity]) => ({ side, event_time: '2024-05-01T10:00:00.1Z', price_level, new_quantity })) }],
  }),
  heartbeat: (seq: number, counter: number) => JSON.stringify({ channel: 'heartbeats', client_id: '', timestamp: '2024-05-01T10:00:01Z', sequence_num: seq, events: [{ current_time: '2024-05-01 10:00:01 +0000 UTC', heartbeat_counter: counter }] }),
  subscriptions: (seq: number) => JSON.stringify({ channel: 'subscriptions', client_id: '', timestamp: '2024-05-01T10:00:00Z', sequence_num: seq, events: [{ subscriptions: { level2: ['BTC-USD', 'ETH-USD'] } }] }),
};

const BOOK: Lv[] = [['bid', '100.00', '1.5'], ['bid', '99.00', '2'], ['bid', '98.00', '3'], ['offer', '101.00', '1'], ['offer', '102.00', '4'], ['offer', '103.00', '5']];

function levels(book: { top(side: 'bid' | 'ask', n: number): Array<[number, number]>; format: { priceDecimals: number; sizeDecimals: number } } | undefined) {
  return book ? { bids: formatLevels(book.top('bid', 50), book.format), asks: formatLevels(book.top('ask', 50), book.format) } : undefined;
}

/** Two products on one connection, both in sync after sequence 0..2. */
function synced() {
  const venue = coinbaseAdvancedLive({ url: 'ws://x', products: ['BTC-USD', 'ETH-USD'], exchange: 'COINBASE' });
  venue.connectionOpened!();
  const feed = (text: string) => keepFrame(venue, text, STAMP);
  feed(frame.subscriptions(0));
  expect(feed(frame.l2(1, 'snapshot', 'BTC-USD', BOOK)).result?.problems).toEqual([]);
  expect(feed(frame.l2(2, 'snapshot', 'ETH-USD', BOOK)).result?.problems).toEqual([]);
  expect(venue.needsSnapshot('BTC-USD') || venue.needsSnapshot('ETH-USD')).toBe(false);
  return { venue, feed };
}

describe('ConnectionSequence', () => {
  it('follows one connection: in order, gaps, stragglers and duplicates, a restart', () => {
    const s = new ConnectionSequence();
    s.restart();
    expect(s.take(0)).toEqual({ kind: 'in-order' });
    expect(s.take(1)).toEqual({ kind: 'in-order' });
    expect(s.take(4)).toEqual({ kind: 'gap', expected: 2, lost: 2 });
    expect(s.take(3)).toEqual({ kind: 'old', expected: 5 });
    expect(s.take(4)).toEqual({ kind: 'old', expected: 5 });
    expect(s.take(5)).toEqual({ kind: 'in-order' });
    // Without a restart, 0 can only be a new connection (a recording spanning a reconnect).
    expect(s.take(0)).toEqual({ kind: 'new-connection', expected: 6 });
    expect(s.take(1)).toEqual({ kind: 'in-order' });
    // A new connection may start anywhere: its first number sets the line.
    s.restart();
    expect(s.take(17)).toEqual({ kind: 'in-order' });
    expect(s.stats).toEqual({ messages: 9, gaps: 1, lost: 2, old: 2, connections: 3 });
  });
});

describe('Coinbase Advanced Trade: sequence gap -> every product resyncs', () => {
  it('a lost update that leaves the book uncrossed goes unnoticed on the legacy channel', () => {
    // The same loss on the legacy level2 feed: a deep size change never arrives, the book stays uncrossed, nothing is reported.
    const legacy = new CoinbaseSync({ resyncOnCrossed: true });
    const snap = decodeCoinbaseFrame('{"type":"snapshot","product_id":"BTC-USD","bids":[["100.00","1.5"],["98.00","3"]],"asks":[["101.00","1"],["103.00","5"]]}');
    if (snap.kind !== 'snapshot') throw new Error(snap.kind);
    legacy.onSnapshot(snap, STAMP);
    // lost: {"type":"l2update","product_id":"BTC-USD","changes":[["buy","98.00","7"]]}
    const next = decodeCoinbaseFrame('{"type":"l2update","product_id":"BTC-USD","changes":[["sell","101.00","2"]],"time":"2024-05-01T10:00:00Z"}');
    if (next.kind !== 'l2update') throw new Error(next.kind);
    expect(legacy.onUpdate(next, STAMP).problems).toEqual([]);
    expect(legacy.needsSnapshot('BTC-USD')).toBe(false);
    expect(legacy.stats.gaps).toBe(0);
  });

  it('the same loss on the sequenced channel: every product on the connection needs a snapshot, each with a gap problem', () => {
    const { venue, feed } = synced();
    expect(feed(frame.l2(3, 'update', 'BTC-USD', [['offer', '101.00', '2']])).result?.events).toHaveLength(1);
    // sequence 4 (a deep BTC-USD size change) never arrives; 5 carries an ETH-USD change.
    const out = feed(frame.l2(5, 'update', 'ETH-USD', [['bid', '99.00', '8']]));
    expect(out.result?.problems.map((p) => p.kind)).toEqual(['gap', 'gap']);
    expect(out.result?.problems[0]!.detail).toMatch(/^BTC-USD: sequence_num 5 where 4 was expected: 1 message\(s\) lost/);
    expect(out.result?.problems[1]!.detail).toMatch(/^ETH-USD: /);
    // ETH-USD's own change is not applied to a book that may have missed something.
    expect(out.result?.events).toEqual([]);
    expect(venue.needsSnapshot('BTC-USD')).toBe(true);
    expect(venue.needsSnapshot('ETH-USD')).toBe(true);
    expect(venue.syncStats()).toMatchObject({ gaps: 2, resyncs: 0 });
    expect(venue.sequence.stats).toMatchObject({ gaps: 1, lost: 1 });
    // Until a snapshot, updates are dropped, silently (the product is already being recovered).
    expect(feed(frame.l2(6, 'update', 'BTC-USD', [['bid', '100.00', '9']])).result).toEqual({ events: [], problems: [] });
    expect(venue.syncStats().dropped).toBe(2);
    // The recovery snapshot (what a resubscribe brings) makes the product good again, and only that product.
    const resync = feed(frame.l2(7, 'snapshot', 'BTC-USD', [['bid', '100.00', '9'], ['bid', '98.00', '7'], ['offer', '101.00', '2']]));
    expect(resync.result?.events.map((e) => e.type)).toEqual(['l2-snapshot']);
    expect(venue.needsSnapshot('BTC-USD')).toBe(false);
    expect(venue.needsSnapshot('ETH-USD')).toBe(true);
    expect(levels(venue.book('BTC-USD'))).toEqual({ bids: [['100.00', '9.0'], ['98.00', '7.0']], asks: [['101.00', '2.0']] });
    feed(frame.l2(8, 'snapshot', 'ETH-USD', BOOK));
    expect(venue.syncStats()).toMatchObject({ gaps: 2, resyncs: 2 });
    expect(feed(frame.l2(9, 'update', 'ETH-USD', [['bid', '99.00', '8']])).result?.events).toHaveLength(1);
  });

  it('heartbeats and subscription answers take sequence numbers: losing one is a gap too', () => {
    const { venue, feed } = synced();
    expect(feed(frame.heartbeat(3, 10)).result).toBeUndefined();
    expect(feed(frame.subscriptions(4)).result).toBeUndefined();
    expect(feed(frame.l2(5, 'update', 'BTC-USD', [['bid', '97.00', '1']])).result?.problems).toEqual([]);
    // heartbeat 6 lost: the book may be fine, but nothing on the connection says which message it was.
    expect(feed(frame.heartbeat(7, 12)).result?.problems.map((p) => p.kind)).toEqual(['gap', 'gap']);
    expect(venue.needsSnapshot('BTC-USD')).toBe(true);
  });

  it('drops duplicates and stragglers instead of applying them twice or late', () => {
    const { venue, feed } = synced();
    feed(frame.l2(3, 'update', 'BTC-USD', [['bid', '100.00', '5']]));
    feed(frame.l2(4, 'update', 'BTC-USD', [['bid', '100.00', '6']]));
    // A repeat of 3 would take the level back to 5.
    expect(feed(frame.l2(3, 'update', 'BTC-USD', [['bid', '100.00', '5']]))).toEqual({});
    expect(levels(venue.book('BTC-USD'))!.bids[0]).toEqual(['100.00', '6.0']);
    expect(venue.needsSnapshot('BTC-USD')).toBe(false);
    expect(venue.sequence.stats.old).toBe(1);
  });

  it('a book message that cannot be read is a lost message: malformed, and every product resyncs', () => {
    const { venue, feed } = synced();
    const out = feed('{"channel":"l2_data","sequence_num":3,"events":[{"type":"update","product_id":"BTC-USD","updates":[{"side":"bid","price_level":"1e2","new_quantity":"1"}]}]}');
    expect(out.malformed).toBe(true);
    expect(out.result?.problems.map((p) => p.kind)).toEqual(['gap', 'gap']);
    expect(out.result?.problems[0]!.detail).toMatch(/book message 3 on the connection could not be read/);
    expect(venue.needsSnapshot('ETH-USD')).toBe(true);
    // A malformed heartbeat is counted, and costs the books nothing.
    const { venue: v2, feed: f2 } = synced();
    expect(f2('{"channel":"heartbeats","sequence_num":3,"events":"x"}')).toEqual({ malformed: true });
    expect(v2.needsSnapshot('BTC-USD')).toBe(false);
  });

  it('a reconnect starts the sequence over and invalidates every product; so does a 0 without one (a recording without open lines)', () => {
    const { venue, feed } = synced();
    venue.connectionOpened!();
    // Numbered from 0 again: not a gap, nor a straggler; but what the old connection would have carried is unknown.
    const out = feed(frame.subscriptions(0));
    expect(out.result?.problems.map((p) => p.detail)).toEqual([
      'BTC-USD: a new connection (sequence_num 0): what was sent between the two is unknown; every product on it resyncs',
      'ETH-USD: a new connection (sequence_num 0): what was sent between the two is unknown; every product on it resyncs',
    ]);
    expect(venue.sequence.stats.gaps).toBe(0);
    feed(frame.l2(1, 'snapshot', 'BTC-USD', BOOK));
    feed(frame.l2(2, 'snapshot', 'ETH-USD', BOOK));
    expect(feed(frame.l2(3, 'update', 'BTC-USD', [['bid', '97.00', '1']])).result?.events).toHaveLength(1);
    expect(feed(frame.subscriptions(0)).result?.problems.map((p) => [p.kind, p.detail.slice(0, 30)])).toEqual([['gap', 'BTC-USD: a new connection (seq'], ['gap', 'ETH-USD: a new connection (seq']]);
    expect(venue.needsSnapshot('BTC-USD') && venue.needsSnapshot('ETH-USD')).toBe(true);
    // Live, the source has invalidated the books at the disconnect already: the reopen changes nothing more.
    const { venue: v2, feed: f2 } = synced();
    v2.invalidate('BTC-USD');
    v2.invalidate('ETH-USD');
    v2.connectionOpened!();
    expect(f2(frame.subscriptions(0)).result).toEqual({ events: [], problems: [] });
    expect(v2.syncStats().gaps).toBe(0);
  });

  it('an update with more decimals than the snapshot showed rebuilds the book at the wider format, without a resync', () => {
    // Coinbase trims trailing zeros: "100.5" in the snapshot, "100.25" later.
    const venue = coinbaseAdvancedLive({ url: 'ws://x', products: ['BTC-USD'], exchange: 'COINBASE' });
    venue.connectionOpened!();
    keepFrame(venue, frame.l2(0, 'snapshot', 'BTC-USD', [['bid', '100.5', '1'], ['offer', '101', '2']]), STAMP);
    expect(venue.book('BTC-USD')!.format).toEqual({ priceDecimals: 1, sizeDecimals: 0 });
    const out = keepFrame(venue, frame.l2(1, 'update', 'BTC-USD', [['bid', '100.25', '0.125']]), STAMP);
    expect(out.result?.problems).toEqual([]);
    expect(out.result?.events.map((e) => e.type)).toEqual(['l2-snapshot']);
    expect(venue.needsSnapshot('BTC-USD')).toBe(false);
    expect(venue.book('BTC-USD')!.format).toEqual({ priceDecimals: 2, sizeDecimals: 3 });
    expect(levels(venue.book('BTC-USD'))).toEqual({ bids: [['100.50', '1.000'], ['100.25', '0.125']], asks: [['101.00', '2.000']] });
    expect(venue.sync.widened).toBe(1);
    expect(venue.syncStats().gaps).toBe(0);
  });

  it('a recording decoded on one thread and kept on another detects the gap the same way', () => {
    // Ingest thread: decode only (sequence checked here). Worker: the venue keeper, fed cloned inputs.
    const decoder = coinbaseAdvancedLive({ url: 'capture', products: ['BTC-USD', 'ETH-USD'], exchange: 'COINBASE' });
    const keeper = coinbaseKeeper('COINBASE');
    const problems: SyncResult['problems'] = [];
    const frames = [frame.subscriptions(0), frame.l2(1, 'snapshot', 'BTC-USD', BOOK), frame.l2(2, 'snapshot', 'ETH-USD', BOOK), frame.l2(4, 'update', 'BTC-USD', [['bid', '99.00', '1']])];
    decoder.connectionOpened!();
    for (const [i, text] of frames.entries()) {
      for (const input of decoder.decode(text).inputs) problems.push(...keeper.keep(structuredClone(input.data), STAMP, i + 1).problems);
    }
    expect(problems.map((p) => [p.kind, p.at])).toEqual([['gap', 4], ['gap', 4]]);
    expect(keeper.syncStats()).toMatchObject({ gaps: 2, dropped: 1 });
    expect(decoder.book('BTC-USD')).toBeUndefined(); // the decoding side keeps no book
    // The same keeper still takes the legacy protocol's inputs.
    const legacy = decodeCoinbaseFrame('{"type":"snapshot","product_id":"SOL-USD","bids":[["1.0","1"]],"asks":[["2.0","1"]]}');
    expect(keeper.keep(structuredClone(legacy), STAMP).events).toHaveLength(1);
    expect(keeper.book('SOL-USD')).toBeDefined();
  });
});

describe('Coinbase Advanced Trade recovery', () => {
  it('resubscribes level2 for every product needing a snapshot in one unsubscribe + subscribe pair', async () => {
    let t = 1000;
    const venue = coinbaseAdvancedLive({ url: 'ws://x', products: ['BTC-USD', 'ETH-USD', 'SOL-USD'], exchange: 'COINBASE', now: () => t });
    expect(venue.subscribeFrames().map((f) => JSON.parse(f))).toEqual([
      { type: 'subscribe', product_ids: ['BTC-USD', 'ETH-USD', 'SOL-USD'], channel: 'level2' },
      { type: 'subscribe', channel: 'heartbeats' },
    ]);
    venue.connectionOpened!();
    keepFrame(venue, frame.l2(0, 'snapshot', 'SOL-USD', BOOK), STAMP);
    const sent: string[] = [];
    const io: RecoveryIo = { send: (f) => sent.push(f), fetchText: () => Promise.reject(new Error('no REST')), apply: () => undefined, stamp: () => STAMP };
    await venue.recover('ETH-USD', io);
    expect(sent.map((f) => JSON.parse(f))).toEqual([
      { type: 'unsubscribe', product_ids: ['BTC-USD', 'ETH-USD'], channel: 'level2' },
      { type: 'subscribe', product_ids: ['BTC-USD', 'ETH-USD'], channel: 'level2' },
    ]);
    // BTC-USD's own attempt, moments later, rides on that ask.
    t += 50;
    await venue.recover('BTC-USD', io);
    expect(sent).toHaveLength(2);
    // A retry after the recovery timeout asks again.
    t += 5000;
    await venue.recover('BTC-USD', io);
    expect(sent.slice(2).map((f) => JSON.parse(f).product_ids)).toEqual([['BTC-USD', 'ETH-USD'], ['BTC-USD', 'ETH-USD']]);
  });
});
