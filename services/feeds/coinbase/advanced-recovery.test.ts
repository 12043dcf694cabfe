/**
 * Coinbase Advanced Trade live recovery through the real WebSocketSource against a local peer
 * speaking the protocol (advanced-peer.ts), published with the real PublishEngine. The fault the
 * legacy channel cannot see: one lost update that leaves the book uncrossed (a size change deep
 * in the book). Only `sequence_num` shows it, and since the number is per connection, every
 * product on the connection must go stale once, be resubscribed and come back equal to the
 * peer's own book, with nothing but the STALE marker and then a snapshot handed on in between.
 */
import { FeedConnectionSchema, type FeedConnection } from '../../../config/feed-connection.js';
import type { FeedUpdate } from '../../ingest/feed-update.js';
import { PublishEngine } from '../../ingest/publish-engine.js';
import { WebSocketSource } from '../../ingest/sources/websocket.js';
import { coinbaseAdvancedLive, type CoinbaseAdvancedVenue } from './advanced-live.js';
import type { PeerBook } from '../peer.js';
import { CoinbaseAdvancedPeer } from './advanced-peer.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, cond: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

function connection(over: Record<string, unknown> = {}): FeedConnection {
  return FeedConnectionSchema.parse({
    watchdogMs: 5_000,
    reconnect: { baseMs: 20, maxMs: 200, jitterMs: 10 },
    recovery: { baseMs: 20, maxMs: 300, jitterMs: 10 },
    recoveryTimeoutMs: 500,
    ...over,
  });
}

const PRODUCTS = ['BTC-USD', 'ETH-USD'];

class Run {
  readonly got: FeedUpdate[] = [];
  readonly engine = new PublishEngine({ epoch: 1, dataSuffix: 'orderbook', snapshotDepth: 10_000 });
  readonly src: WebSocketSource;
  readonly venue: CoinbaseAdvancedVenue;
  private readonly done: Promise<void>;
  /** `owned`: as in an ingest worker, updates handed on synchronously with the sync's own book. */
  constructor(peer: CoinbaseAdvancedPeer, conn = connection(), owned = false) {
    this.venue = coinbaseAdvancedLive({ url: peer.wsUrl, products: PRODUCTS, exchange: 'COINBASE' });
    const src = new WebSocketSource(this.venue, 'COINBASE', conn);
    this.src = src;
    const take = (u: FeedUpdate) => {
      this.got.push(u);
      this.engine.apply(u);
    };
    this.done = owned ? src.run(take) : (async () => { for await (const u of src.updates()) take(u); })();
  }
  health(product: string) { return this.src.recovery.health()[product]!; }
  deltas(product: string): number { return this.got.filter((u) => u.symbol === product && u.kind === 'delta').length; }
  async stop(): Promise<void> {
    this.src.stop();
    await this.done;
  }
  /** The venue sync's book and the published book both equal the peer's. */
  async expectEqual(product: string, peer: PeerBook): Promise<void> {
    const equal = () => {
      const book = this.venue.book(product);
      if (!book || this.venue.needsSnapshot(product)) return false;
      const { priceDecimals: pd, sizeDecimals: sd } = book.format;
      const want = JSON.stringify({ bids: peer.scaled('bid', pd, sd), asks: peer.scaled('ask', pd, sd) });
      const published = this.engine.dump().find((d) => d.symbol === product);
      return JSON.stringify({ bids: book.top('bid', 1000), asks: book.top('ask', 1000) }) === want
        && JSON.stringify({ bids: published?.bids, asks: published?.asks }) === want;
    };
    await waitFor(`${product} to equal the peer's book`, equal);
  }
  /** Between a `stale` marker and the next snapshot nothing else is handed on for the product. */
  expectNoStaleDeltas(product: string): { staleMarks: number; snapshots: number } {
    let stale = false;
    let staleMarks = 0;
    let snapshots = 0;
    for (const u of this.got.filter((x) => x.symbol === product)) {
      if (u.kind === 'stale') { stale = true; staleMarks++; }
      else if (u.kind === 'snapshot') { stale = false; snapshots++; }
      else expect(stale, `a delta of ${product} was handed on while its book was stale`).toBe(false);
    }
    expect(stale).toBe(false);
    return { staleMarks, snapshots };
  }
}

describe('Coinbase Advanced Trade: live recovery against a local peer', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });
  async function peer(): Promise<CoinbaseAdvancedPeer> {
    const p = await new CoinbaseAdvancedPeer({ symbols: PRODUCTS }).start();
    cleanup.push(() => p.stop());
    return p;
  }
  function run(p: CoinbaseAdvancedPeer, conn?: FeedConnection, owned = false): Run {
    const r = new Run(p, conn, owned);
    cleanup.push(() => r.stop());
    return r;
  }
  async function flowing(r: Run): Promise<void> {
    await waitFor('updates flowing for every product', () => PRODUCTS.every((p) => r.deltas(p) > 20));
  }

  for (const owned of [false, true]) {
    it(`one lost update that never crosses the book: every product goes stale once, is resubscribed and equals the peer's book${owned ? ' (in the owning thread)' : ''}`, async () => {
      const p = await peer();
      const r = run(p, undefined, owned);
      p.run(3);
      await flowing(r);
      expect(p.inject({ kind: 'lose-message', symbol: 'BTC-USD' })).toMatch(/BTC-USD .*never sent/);
      await waitFor('both products recovered', () => PRODUCTS.every((s) => r.health(s).recoveries >= 1));
      p.pause();
      for (const s of PRODUCTS) await r.expectEqual(s, p.bookOf(s));
      expect(p.lost).toBe(1);
      expect(p.status().faults).toEqual({ 'lose-message': 1 });
      // Found by the sequence alone: the book never crossed.
      expect(r.venue.syncStats().crossed).toBe(0);
      expect(r.venue.sequence.stats).toMatchObject({ gaps: 1, lost: 1, old: 0 });
      for (const s of PRODUCTS) {
        expect(r.health(s)).toMatchObject({ gaps: 1, recoveries: 1, stale: false });
        expect(r.expectNoStaleDeltas(s).staleMarks).toBe(1);
      }
      // One resubscribe for both products (Coinbase allows 8 unauthenticated messages a second), on the same connection.
      const resubscribes = p.received.map((m) => JSON.parse(m) as { type: string; channel: string; product_ids?: string[] }).filter((m) => m.type === 'unsubscribe');
      expect(resubscribes).toEqual([{ type: 'unsubscribe', channel: 'level2', product_ids: PRODUCTS }]);
      expect(p.connections).toBe(1);
      await waitFor('stats refreshed', () => r.src.stats.resyncs === 2);
      expect(r.src.stats).toMatchObject({ gaps: 2, resyncs: 2, connects: 1 });
      expect(r.src.stats.notes).toContainEqual(expect.stringMatching(/^COINBASE sequence_num: 1 gap\(s\), 1 message\(s\) lost, 0 duplicate\(s\) dropped over \d+ message\(s\)$/));
      if (owned) for (const s of PRODUCTS) expect([...r.engine.states()].find((st) => st.book.symbol === s)!.book).toBe(r.venue.book(s));
    });
  }

  it('a duplicated message is dropped, not applied twice: no gap, no stale book', async () => {
    const p = await peer();
    const r = run(p);
    p.run(3);
    await flowing(r);
    p.inject({ kind: 'duplicate-message' });
    await waitFor('the duplicate', () => r.venue.sequence.stats.old >= 1);
    await sleep(50);
    p.pause();
    for (const s of PRODUCTS) await r.expectEqual(s, p.bookOf(s));
    for (const s of PRODUCTS) expect(r.health(s)).toMatchObject({ gaps: 0, recoveries: 0, stale: false });
    expect(r.venue.sequence.stats.gaps).toBe(0);
  });

  it('a connection that stalls without closing is dropped by the watchdog; the new connection numbers from 0 again and every product recovers', async () => {
    const p = await peer();
    const r = run(p, connection({ watchdogMs: 300 }));
    p.run(3);
    await flowing(r);
    p.inject({ kind: 'stall' });
    await waitFor('the watchdog to drop the connection and mark the books stale', () => r.src.watchdogTimeouts >= 1 && PRODUCTS.every((s) => r.health(s).stale));
    p.inject({ kind: 'resume' });
    await waitFor('both products recovered', () => PRODUCTS.every((s) => r.health(s).recoveries >= 1));
    p.pause();
    for (const s of PRODUCTS) await r.expectEqual(s, p.bookOf(s));
    expect(p.connections).toBeGreaterThanOrEqual(2);
    // The reconnect is the gap; the sequence starting over on the new connection is not another one.
    expect(r.venue.sequence.stats.gaps).toBe(0);
    for (const s of PRODUCTS) {
      expect(r.health(s)).toMatchObject({ gaps: 1, recoveries: 1, stale: false });
      expect(r.expectNoStaleDeltas(s).staleMarks).toBe(1);
    }
  });

  it('a disconnect in the middle of a snapshot reconnects again and every product recovers', async () => {
    const p = await peer();
    const r = run(p);
    p.run(3);
    await flowing(r);
    // The venue drops the connection; on the next subscription it sends half a snapshot and drops again.
    p.inject({ kind: 'disconnect-mid-snapshot' });
    await waitFor('both products recovered', () => PRODUCTS.every((s) => r.health(s).recoveries >= 1) && p.connections >= 3);
    p.pause();
    for (const s of PRODUCTS) await r.expectEqual(s, p.bookOf(s));
    expect(r.src.connects).toBeGreaterThanOrEqual(3);
    for (const s of PRODUCTS) {
      expect(r.health(s)).toMatchObject({ gaps: 1, recoveries: 1 });
      r.expectNoStaleDeltas(s);
    }
  });
});
