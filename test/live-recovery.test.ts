/**
 * Live recovery end to end, laid out as in production: venue peers on loopback named by the
 * config (kraken-ws / binance-ws feeds pointing at them), the ingest with worker threads (each
 * feed runs in the worker that owns its symbol: one book per symbol), a real
 * 3-node mTLS nats-server cluster and a real subscriber. After a bad Kraken checksum and a skipped
 * Binance update id the subscriber's mirrors must equal each peer's own book; while a book was
 * stale the subscriber saw it flagged STALE and nothing after it but the recovery snapshot.
 */
import type { SymbolHealth } from '../services/ingest/feed-update.js';
import { BinancePeer } from '../services/feeds/binance/peer.js';
import { KrakenPeer } from '../services/feeds/kraken/peer.js';
import type { PeerBook } from '../services/feeds/peer.js';
import { startTestCluster, type TestCluster } from './harness/cluster.js';
import { ClusterPipeline, sleep, waitFor as waitUntil } from './harness/live-run.js';

/** Through a cluster and a subscriber: a longer wait, polled less often. */
const waitFor = (what: string, cond: () => boolean) => waitUntil(what, cond, 20_000, 20);

const connection = { watchdogMs: 5000, reconnect: { baseMs: 20, maxMs: 200, jitterMs: 10 }, recovery: { baseMs: 20, maxMs: 300, jitterMs: 10 }, recoveryTimeoutMs: 1000, restTimeoutMs: 2000 };

describe('live venue recovery through nats-server to a subscriber', () => {
  let tc: TestCluster;
  let kraken: KrakenPeer;
  let binance: BinancePeer;
  let pipeline: ClusterPipeline;

  beforeAll(async () => {
    kraken = await new KrakenPeer().start();
    binance = await new BinancePeer().start();
    tc = await startTestCluster({
      patch: (c) => ({
        ...c,
        exchanges: c.exchanges.map((ex) =>
          ex.name === 'KRAKEN' ? { name: 'KRAKEN', symbols: ['XBT/USD'], feed: { kind: 'kraken-ws' as const, url: kraken.wsUrl, depth: 10 as const, connection } }
          : ex.name === 'BINANCE' ? { name: 'BINANCE', symbols: ['BTCUSDT'], feed: { kind: 'binance-ws' as const, url: binance.wsUrl, restUrl: binance.httpUrl, connection } }
          : ex),
      }),
    });
    pipeline = await ClusterPipeline.start(tc, ['KRAKEN', 'BINANCE']);
  }, 60_000);

  afterAll(async () => {
    kraken?.pause();
    binance?.pause();
    await pipeline?.stop();
    await kraken?.stop();
    await binance?.stop();
    await tc?.stop();
  });

  async function mirrorEquals(exchange: string, symbol: string, peer: PeerBook): Promise<void> {
    await waitFor(`${exchange} ${symbol} mirror to equal the peer's book`, () => {
      const m = pipeline.sub.mirrors.get(exchange, symbol);
      if (!m?.isLive || m.stale) return false;
      const { priceDecimals: pd, sizeDecimals: sd } = m.book.format;
      return JSON.stringify([m.book.top('bid', 100), m.book.top('ask', 100)]) === JSON.stringify([peer.scaled('bid', pd, sd), peer.scaled('ask', pd, sd)]);
    });
  }

  function expectStaleThenSnapshot(symbol: string): void {
    const list = pipeline.seen.get(symbol) ?? [];
    const i = list.indexOf('stale');
    expect(i, `${symbol} never flagged stale: ${list.slice(-5).join(',')}`).toBeGreaterThan(0);
    // Nothing but the recovery snapshot follows the STALE marker.
    expect(list[i + 1]).toBe('snapshot');
    expect(list.filter((x) => x === 'stale')).toHaveLength(1);
  }

  it('recovers a Kraken checksum mismatch and a Binance skipped update id; subscribers resync to the venues\' books', async () => {
    kraken.run(5);
    binance.run(5);
    // The feeds run inside the worker threads that own their symbols; their stats come back with the worker stats.
    const health = (exchange: string, symbol: string): SymbolHealth | undefined =>
      pipeline.ingest.shardFeedStats().filter((s) => s.exchange === exchange).map((s) => s.symbols?.[symbol]).find((h) => h !== undefined);
    await waitFor('both feeds publishing', () => (pipeline.seen.get('XBT/USD')?.length ?? 0) > 20 && (pipeline.seen.get('BTCUSDT')?.length ?? 0) > 20);
    kraken.inject({ kind: 'bad-checksum', symbol: 'XBT/USD' });
    binance.inject({ kind: 'skip-update-id', symbol: 'BTCUSDT' });
    await waitFor('both recovered', () => (health('KRAKEN', 'XBT/USD')?.recoveries ?? 0) >= 1 && (health('BINANCE', 'BTCUSDT')?.recoveries ?? 0) >= 1);
    await sleep(200);
    kraken.pause();
    binance.pause();
    await mirrorEquals('KRAKEN', 'XBT/USD', kraken.bookOf('XBT/USD'));
    await mirrorEquals('BINANCE', 'BTCUSDT', binance.bookOf('BTCUSDT'));
    expectStaleThenSnapshot('XBT/USD');
    expectStaleThenSnapshot('BTCUSDT');
    await waitFor('stats refreshed', () => health('KRAKEN', 'XBT/USD')?.stale === false && health('BINANCE', 'BTCUSDT')?.stale === false);
    expect(health('KRAKEN', 'XBT/USD')).toMatchObject({ gaps: 1, recoveries: 1, stale: false });
    expect(health('BINANCE', 'BTCUSDT')).toMatchObject({ gaps: 1, recoveries: 1, stale: false });
    expect(pipeline.ingest.sources).toEqual([]);
    // What a metrics summary counts per exchange: the gap and the recovery, once.
    expect(pipeline.ingest.feedCountsSinceLast()).toMatchObject({ KRAKEN: { gaps: 1, resyncs: 1 }, BINANCE: { gaps: 1, resyncs: 1 } });
    expect(pipeline.ingest.feedCountsSinceLast()).toMatchObject({ KRAKEN: { gaps: 0, resyncs: 0 }, BINANCE: { gaps: 0, resyncs: 0 } });
    // The subscriber saw the publisher's recovery as an ordinary in-stream snapshot, never a sequence gap.
    expect(pipeline.sub.mirrors.get('KRAKEN', 'XBT/USD')!.counters.gaps).toBe(0);
  }, 60_000);
});
