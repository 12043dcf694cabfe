/**
 * Live pipeline integration tests (issue 4): ingest workers -> real 3-node mTLS cluster ->
 * subscribers, with synthetic NYSE updates routed straight into the ingest.
 */
import type { NatsConnection } from 'nats';
import { IngestService } from '../services/ingest/service.js';
import type { FeedUpdate } from '../services/ingest/feed-update.js';
import type { LevelChange } from '../services/marketdata/events.js';
import { dataSubject, decodeSubjectToken } from '../services/marketdata/subject.js';
import { compareBooks, subjectMatches } from '../services/pipeline/compare.js';
import { Subscriber, type SubscriberOptions } from '../services/subscriber/subscriber.js';
import { startTestCluster, type TestCluster } from './harness/cluster.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const FORMAT = { priceDecimals: 2, sizeDecimals: 0 };
let exchSeq = 0;

function update(exchange: string, symbol: string, changes: LevelChange[]): FeedUpdate {
  return { kind: 'delta', exchange, symbol, format: FORMAT, exchSeq: ++exchSeq, exchTsUs: Date.now() * 1000, recvMonoNs: 0, recvWallUs: 0, atUs: 0, changes };
}

/** A deterministic random walk in which every update changes the book (so each is published). */
function walk(exchange: string, symbol: string, n: number, seed = 1): FeedUpdate[] {
  let x = seed;
  const rnd = () => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const levels = new Map<string, number>();
  return Array.from({ length: n }, (_, i) => {
    const side = rnd() < 0.5 ? 'bid' : 'ask';
    const price = side === 'bid' ? 10_000 - Math.floor(rnd() * 20) : 10_001 + Math.floor(rnd() * 20);
    const key = `${side}${price}`;
    // Delete a level only if it exists; otherwise set a size it does not have yet.
    const size = levels.has(key) && rnd() < 0.3 ? 0 : 1000 * seed + i + 1;
    if (size === 0) levels.delete(key); else levels.set(key, size);
    return update(exchange, symbol, [{ side, price, size }]);
  });
}

describe('live pipeline on the mTLS cluster', () => {
  let tc: TestCluster;
  let ingest: IngestService;
  const subscribers: Subscriber[] = [];

  async function subscriber(opts: Partial<SubscriberOptions> & { subjects: string[] }): Promise<Subscriber> {
    const s = new Subscriber({ config: tc.config, tlsDir: tc.tlsDir, servers: [tc.clientUrls[2]!], ...opts });
    subscribers.push(s);
    return s.start();
  }

  async function publish(updates: FeedUpdate[]): Promise<void> {
    for (const u of updates) ingest.route(u);
    ingest.flush();
    await sleep(300);
  }

  async function expectBooksEqual(s: Subscriber, patterns: string[]): Promise<void> {
    expect(await s.settle(10_000)).toBe(true);
    const dumps = await ingest.dump();
    const cmp = compareBooks(dumps, s.mirrors, (e, sym) => patterns.some((p) => subjectMatches(p, dataSubject(e, sym))));
    expect(cmp.compared).toBeGreaterThan(0);
    expect(cmp.mismatches).toEqual([]);
  }

  beforeAll(async () => {
    tc = await startTestCluster();
    ingest = new IngestService({ config: tc.config, tlsDir: tc.tlsDir, root: process.cwd(), pace: { mode: 'max' }, sources: [], workers: 2, servers: [tc.clientUrls[0]!] });
    await ingest.start();
  });
  afterAll(async () => {
    for (const s of subscribers) await s.close();
    await ingest?.stop();
    await tc?.stop();
  });

  it('delivers exact and wildcard subjects, never control subjects or another exchange', async () => {
    const raw: NatsConnection = await tc.connect('ops', { servers: [tc.clientUrls[1]!] });
    const seen: Record<string, string[]> = { exact: [], nyse: [], all: [] };
    raw.subscribe('NYSE.IBM.orderbook', { callback: (_e, m) => seen.exact!.push(m.subject) });
    raw.subscribe('NYSE.*.orderbook', { callback: (_e, m) => seen.nyse!.push(m.subject) });
    raw.subscribe('*.*.orderbook', { callback: (_e, m) => seen.all!.push(m.subject) });
    await raw.flush();
    await sleep(200);
    const lib = await subscriber({ subjects: ['NYSE.*.orderbook'] });
    await publish([update('NYSE', 'IBM', [{ side: 'bid', price: 100, size: 5 }]), update('NASDAQ', 'AAPL', [{ side: 'ask', price: 200, size: 7 }])]);
    // A snapshot request is a control message: no data wildcard may see it.
    await raw.request('_DSM.snapshot.NYSE.IBM', new Uint8Array(0), { timeout: 2000 });
    await sleep(200);
    expect(seen.exact).toEqual(['NYSE.IBM.orderbook']);
    expect(seen.nyse).toEqual(['NYSE.IBM.orderbook']);
    expect(seen.all!.sort()).toEqual(['NASDAQ.AAPL.orderbook', 'NYSE.IBM.orderbook']);
    expect(lib.mirrors.get('NYSE', 'IBM')?.book.bestBid()).toEqual([100, 5]);
    expect(lib.mirrors.get('NASDAQ', 'AAPL')).toBeUndefined();
  });

  it('gives BRK.B its own subject token, which round-trips', async () => {
    const raw = await tc.connect('ops');
    const subjects: string[] = [];
    raw.subscribe('NYSE.*.orderbook', { callback: (_e, m) => subjects.push(m.subject) });
    await raw.flush();
    await sleep(200);
    const lib = await subscriber({ subjects: [dataSubject('NYSE', 'BRK.B')] });
    await publish([update('NYSE', 'BRK.B', [{ side: 'ask', price: 41_250, size: 3 }])]);
    const brk = subjects.filter((s) => s !== 'NYSE.IBM.orderbook');
    expect(brk).toHaveLength(1);
    const tokens = brk[0]!.split('.');
    expect(tokens).toHaveLength(3);
    expect(tokens[1]).not.toBe('BRK');
    expect(decodeSubjectToken(tokens[1]!)).toBe('BRK.B');
    expect(await lib.settle()).toBe(true);
    expect(lib.mirrors.get('NYSE', 'BRK.B')?.book.bestAsk()).toEqual([41_250, 3]);
  });

  it('stamps an update object again when it is routed again (a reused object does not carry its old receive time)', async () => {
    const s = await subscriber({ subjects: ['NYSE.RESTAMP.orderbook'] });
    const u = walk('NYSE', 'RESTAMP', 1)[0]!;
    await publish([u]);
    const first = u.recvMonoNs;
    expect(first).toBeGreaterThan(0);
    await sleep(1000);
    // The same object again, as a benchmark or a replay loop routes it: a new stamp, so the
    // ingest -> publish hop measures this routing, not the second since the first one.
    u.changes = [{ side: 'bid', price: 9_000, size: 7 }];
    await publish([u]);
    expect(u.recvMonoNs - first).toBeGreaterThan(900e6);
    expect(await s.settle(10_000)).toBe(true);
  });

  it('lets a late joiner converge to the ingest book through a snapshot', async () => {
    await publish(walk('NYSE', 'LATE', 300, 7));
    const late = await subscriber({ subjects: ['NYSE.LATE.orderbook'] });
    await publish(walk('NYSE', 'LATE', 100, 8));
    await expectBooksEqual(late, ['NYSE.LATE.orderbook']);
    expect(late.counters.snapshotRequests).toBeGreaterThanOrEqual(1);
    expect(late.mirrors.get('NYSE', 'LATE')!.lastSeq).toBe(400);
  });

  it('recovers from a dropped message: gap, snapshot, resync, equal books', async () => {
    let n = 0;
    const lossy = await subscriber({ subjects: ['NYSE.GAP.orderbook'], dropFilter: () => ++n === 50 });
    await publish(walk('NYSE', 'GAP', 200, 3));
    await expectBooksEqual(lossy, ['NYSE.GAP.orderbook']);
    const t = lossy.mirrors.totals();
    expect(t.gaps).toBe(1);
    expect(t.resyncs).toBeGreaterThanOrEqual(1);
  });

  it('drops duplicates', async () => {
    const dup = await subscriber({ subjects: ['NYSE.DUP.orderbook'] });
    const ops = await tc.connect('ingest');
    const copies: Uint8Array[] = [];
    const tap = await tc.connect('ops');
    tap.subscribe('NYSE.DUP.orderbook', { callback: (_e, m) => copies.push(m.data) });
    await tap.flush();
    await sleep(200);
    await publish(walk('NYSE', 'DUP', 20, 5));
    expect(copies).toHaveLength(20);
    // A second publisher replays what the first sent (a standby taking over, a retransmit).
    for (const c of copies.slice(5, 15)) ops.publish('NYSE.DUP.orderbook', c);
    await ops.flush();
    await sleep(300);
    await expectBooksEqual(dup, ['NYSE.DUP.orderbook']);
    expect(dup.mirrors.totals().duplicates).toBe(10);
  });

  it('counts and skips a malformed payload on a data subject, and keeps running', async () => {
    const sub = await subscriber({ subjects: ['NYSE.BAD.orderbook'] });
    await publish(walk('NYSE', 'BAD', 10, 9));
    const forger = await tc.connect('ingest');
    forger.publish('NYSE.BAD.orderbook', new TextEncoder().encode('{"not":"wire format"}'));
    forger.publish('NYSE.BAD.orderbook', new Uint8Array([1, 2, 3]));
    await forger.flush();
    await publish(walk('NYSE', 'BAD', 10, 10));
    await expectBooksEqual(sub, ['NYSE.BAD.orderbook']);
    expect(sub.counters.malformed).toBe(2);
    expect(sub.mirrors.get('NYSE', 'BAD')!.lastSeq).toBe(20);
  });

  it('reports a subscriber that is too slow, bounds its queue, and recovers', async () => {
    let slow = true;
    const sub = await subscriber({
      subjects: ['NYSE.SLOW.orderbook'],
      maxQueued: 100,
      handlers: [async () => { if (slow) await sleep(5); }],
    });
    for (const u of walk('NYSE', 'SLOW', 3000, 11)) ingest.route(u);
    ingest.flush();
    // 3000 updates arrive far faster than 200/s; poll rather than guess how fast on a busy machine.
    for (let i = 0; i < 100 && sub.counters.slowConsumer === 0; i++) await sleep(50);
    expect(sub.counters.slowConsumer).toBeGreaterThanOrEqual(1);
    expect(sub.queued).toBeLessThanOrEqual(100);
    slow = false;
    await publish(walk('NYSE', 'SLOW', 10, 12));
    await expectBooksEqual(sub, ['NYSE.SLOW.orderbook']);
    expect(sub.mirrors.totals().resyncs).toBeGreaterThanOrEqual(1);
  });
});
