/**
 * A lost Coinbase Advanced Trade message, end to end as in production: a local Advanced Trade
 * peer named by the config (`coinbase-advanced-ws`), the ingest with worker threads (each worker
 * opens its own connection for the products it owns), a real 3-node mTLS nats-server cluster and
 * a real subscriber. The peer loses one update deep in BTC-USD's book, which never crosses it:
 * only sequence_num shows the loss, and since it is numbered per connection, every product on
 * BTC-USD's connection goes stale once and is resubscribed, the others are untouched. The
 * subscriber's mirrors must equal the peer's books, and a product that was stale must show the
 * STALE marker followed by nothing but its recovery snapshot.
 */
import type { SymbolHealth } from '../services/ingest/feed-update.js';
import { CoinbaseAdvancedPeer } from '../services/feeds/coinbase/advanced-peer.js';
import { startTestCluster, type TestCluster } from './harness/cluster.js';
import { ClusterPipeline, sleep, waitFor as waitUntil } from './harness/live-run.js';

/** Through a cluster and a subscriber: a longer wait, polled less often. */
const waitFor = (what: string, cond: () => boolean) => waitUntil(what, cond, 20_000, 20);

const PRODUCTS = ['BTC-USD', 'ETH-USD', 'SOL-USD'];
const connection = { watchdogMs: 5000, reconnect: { baseMs: 20, maxMs: 200, jitterMs: 10 }, recovery: { baseMs: 20, maxMs: 300, jitterMs: 10 }, recoveryTimeoutMs: 1000 };

describe('a lost Coinbase Advanced Trade message through nats-server to a subscriber', () => {
  let tc: TestCluster;
  let peer: CoinbaseAdvancedPeer;
  /** The ingest, the subscriber, and per product what the subscriber applied, in order. */
  let pipeline: ClusterPipeline;

  beforeAll(async () => {
    peer = await new CoinbaseAdvancedPeer({ symbols: PRODUCTS }).start();
    tc = await startTestCluster({
      patch: (c) => ({
        ...c,
        exchanges: c.exchanges.map((ex) => (ex.name === 'COINBASE' ? { name: 'COINBASE', symbols: PRODUCTS, feed: { kind: 'coinbase-advanced-ws' as const, url: peer.wsUrl, connection } } : ex)),
      }),
    });
    pipeline = await ClusterPipeline.start(tc, ['COINBASE']);
  }, 60_000);

  afterAll(async () => {
    peer?.pause();
    await pipeline?.stop();
    await peer?.stop();
    await tc?.stop();
  });

  it('every product on the lossy connection resyncs once, by sequence alone; the subscriber ends equal to the peer\'s books', async () => {
    peer.run(5);
    // Each worker's source carries the products it owns, on its own connection.
    const sources = () => pipeline.ingest.shardFeedStats().filter((s) => s.exchange === 'COINBASE');
    const health = (product: string): SymbolHealth | undefined => sources().map((s) => s.symbols?.[product]).find((h) => h !== undefined);
    await waitFor('every product publishing', () => PRODUCTS.every((p) => (pipeline.seen.get(p)?.length ?? 0) > 20));
    await waitFor('feed stats back from the workers', () => PRODUCTS.every((p) => health(p) !== undefined));
    const lossy = sources().find((s) => s.symbols?.['BTC-USD'] !== undefined)!;
    const sameConnection = Object.keys(lossy.symbols ?? {});
    const others = PRODUCTS.filter((p) => !sameConnection.includes(p));
    expect(sameConnection).toContain('BTC-USD');
    expect(peer.connections).toBe(sources().length);

    peer.inject({ kind: 'lose-message', symbol: 'BTC-USD' });
    await waitFor('the lossy connection\'s products recovered', () => sameConnection.every((p) => (health(p)?.recoveries ?? 0) >= 1));
    await sleep(200);
    peer.pause();
    for (const product of PRODUCTS) {
      const book = peer.bookOf(product);
      await waitFor(`${product} mirror to equal the peer's book`, () => {
        const m = pipeline.sub.mirrors.get('COINBASE', product);
        if (!m?.isLive || m.stale) return false;
        const { priceDecimals: pd, sizeDecimals: sd } = m.book.format;
        return JSON.stringify([m.book.top('bid', 100), m.book.top('ask', 100)]) === JSON.stringify([book.scaled('bid', pd, sd), book.scaled('ask', pd, sd)]);
      });
    }
    expect(peer.lost).toBe(1);
    await waitFor('stats refreshed', () => sameConnection.every((p) => health(p)?.stale === false));
    for (const p of sameConnection) {
      expect(health(p)).toMatchObject({ gaps: 1, recoveries: 1, stale: false });
      const list = pipeline.seen.get(p) ?? [];
      const i = list.indexOf('stale');
      expect(i, `${p} never flagged stale`).toBeGreaterThan(0);
      expect(list[i + 1], `${p}: only the recovery snapshot may follow the STALE marker`).toBe('snapshot');
      expect(list.filter((x) => x === 'stale')).toHaveLength(1);
    }
    for (const p of others) {
      expect(health(p)).toMatchObject({ gaps: 0, recoveries: 0, stale: false });
      expect(pipeline.seen.get(p)).not.toContain('stale');
    }
    // What a metrics summary counts for the exchange: one gap and one recovery per product on that connection.
    expect(pipeline.ingest.feedCountsSinceLast()).toMatchObject({ COINBASE: { gaps: sameConnection.length, resyncs: sameConnection.length } });
    // The subscriber saw the recovery as an ordinary in-stream snapshot, never a sequence gap of its own.
    for (const p of PRODUCTS) expect(pipeline.sub.mirrors.get('COINBASE', p)!.counters.gaps).toBe(0);
  }, 60_000);
});
