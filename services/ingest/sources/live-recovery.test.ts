/**
 * Live recovery against local venue peers (services/feeds/<venue>/peer.ts) that speak each venue's
 * protocol on 127.0.0.1: a bad Kraken checksum, a skipped Binance update id, a lost Coinbase
 * message, a stall without close and a disconnect in the middle of a snapshot. In every case the
 * live book must come back equal to the peer's own book, the counters must show the gap and the
 * recovery, and nothing but a `stale` marker and then a snapshot may be handed on while the book
 * is out of sync. The published side is checked with the real PublishEngine.
 */
import type { FeedConnection } from '../../../config/schema.js';
import { binanceLive } from '../../feeds/binance/live.js';
import { coinbaseLive } from '../../feeds/coinbase/live.js';
import { krakenLive } from '../../feeds/kraken/live.js';
import type { LiveVenue } from '../../feeds/live.js';
import { BinancePeer } from '../../feeds/binance/peer.js';
import { CoinbasePeer } from '../../feeds/coinbase/peer.js';
import { KrakenPeer } from '../../feeds/kraken/peer.js';
import { PublishEngine } from '../publish-engine.js';
import { LiveRun, sleep, testConnection as connection, waitFor } from '../../../test/harness/live-run.js';

describe('live recovery against local venue peers', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });
  async function start<P extends { start(): Promise<P>; stop(): Promise<void> }>(p: P): Promise<P> {
    await p.start();
    cleanup.push(() => p.stop());
    return p;
  }
  function run(venue: LiveVenue, exchange: string, conn?: FeedConnection, owned = false): LiveRun {
    const r = new LiveRun(venue, exchange, conn, owned);
    cleanup.push(() => r.stop());
    return r;
  }

  it('Kraken: a checksum mismatch resubscribes the pair and the book comes back equal', async () => {
    const peer = await start(new KrakenPeer());
    const r = run(krakenLive({ url: peer.wsUrl, pairs: ['XBT/USD'], depth: 10, exchange: 'KRAKEN' }), 'KRAKEN');
    peer.run(3);
    await waitFor('updates flowing', () => r.got.filter((u) => u.kind === 'delta').length > 20);
    peer.inject({ kind: 'bad-checksum' });
    await waitFor('a recovery', () => r.health('XBT/USD').recoveries >= 1);
    peer.pause();
    await r.expectEqual('XBT/USD', peer.bookOf('XBT/USD'));
    expect(r.health('XBT/USD')).toMatchObject({ gaps: 1, recoveries: 1, stale: false });
    expect(r.health('XBT/USD').attempts).toBeGreaterThanOrEqual(1);
    expect(peer.received.some((m) => m.includes('"unsubscribe"'))).toBe(true);
    expect(peer.connections).toBe(1);
    expect(r.expectNoStaleDeltas('XBT/USD')).toEqual({ staleMarks: 1, snapshots: 2 });
    expect(r.src.stats).toMatchObject({ gaps: 1, resyncs: 1 });
  });

  it('Binance: a skipped update id re-seeds the symbol from the REST depth snapshot', async () => {
    const peer = await start(new BinancePeer());
    const r = run(binanceLive({ wsBase: peer.wsUrl, restBase: peer.httpUrl, symbols: ['btcusdt'], depthLimit: 1000, exchange: 'BINANCE' }), 'BINANCE');
    peer.run(3);
    await waitFor('updates flowing', () => r.got.filter((u) => u.kind === 'delta').length > 20);
    expect(peer.restRequests).toBe(1);
    peer.inject({ kind: 'skip-update-id', symbol: 'BTCUSDT' });
    await waitFor('a recovery', () => r.health('BTCUSDT').recoveries >= 1);
    peer.pause();
    await r.expectEqual('BTCUSDT', peer.bookOf('BTCUSDT'));
    expect(r.health('BTCUSDT')).toMatchObject({ gaps: 1, recoveries: 1, stale: false });
    expect(peer.restRequests).toBeGreaterThanOrEqual(2);
    expect(r.expectNoStaleDeltas('BTCUSDT').staleMarks).toBe(1);
  });

  it('Binance: a REST snapshot cut mid-body is retried with backoff', async () => {
    const peer = await start(new BinancePeer());
    const r = run(binanceLive({ wsBase: peer.wsUrl, restBase: peer.httpUrl, symbols: ['BTCUSDT'], depthLimit: 1000, exchange: 'BINANCE' }), 'BINANCE');
    peer.run(3);
    await waitFor('updates flowing', () => r.got.filter((u) => u.kind === 'delta').length > 10);
    peer.inject({ kind: 'cut-rest-snapshot' });
    await waitFor('a recovery', () => r.health('BTCUSDT').recoveries >= 1);
    peer.pause();
    await r.expectEqual('BTCUSDT', peer.bookOf('BTCUSDT'));
    expect(peer.restRequests).toBeGreaterThanOrEqual(3);
    expect(r.health('BTCUSDT').attempts).toBeGreaterThanOrEqual(2);
    r.expectNoStaleDeltas('BTCUSDT');
  });

  it('Coinbase: a lost message (the book crosses) resubscribes the product', async () => {
    const peer = await start(new CoinbasePeer());
    const r = run(coinbaseLive({ url: peer.wsUrl, products: ['BTC-USD'], exchange: 'COINBASE' }), 'COINBASE');
    peer.run(3);
    await waitFor('updates flowing', () => r.got.filter((u) => u.kind === 'delta').length > 20);
    peer.pause();
    peer.inject({ kind: 'lose-message', symbol: 'BTC-USD' });
    await waitFor('a recovery', () => r.health('BTC-USD').recoveries >= 1);
    peer.run(3);
    await sleep(100);
    peer.pause();
    await r.expectEqual('BTC-USD', peer.bookOf('BTC-USD'));
    expect(r.health('BTC-USD')).toMatchObject({ gaps: 1, recoveries: 1 });
    expect(peer.received.some((m) => m.includes('"unsubscribe"'))).toBe(true);
    expect(r.expectNoStaleDeltas('BTC-USD').staleMarks).toBe(1);
  });

  it('a connection that stalls without closing is dropped by the watchdog and the book recovers', async () => {
    const peer = await start(new KrakenPeer());
    const r = run(krakenLive({ url: peer.wsUrl, pairs: ['XBT/USD'], depth: 10, exchange: 'KRAKEN' }), 'KRAKEN', connection({ watchdogMs: 300 }));
    peer.run(3);
    await waitFor('updates flowing', () => r.got.filter((u) => u.kind === 'delta').length > 20);
    peer.inject({ kind: 'stall' });
    await waitFor('the watchdog to drop the connection and mark the book stale', () => r.src.watchdogTimeouts >= 1 && r.health('XBT/USD').stale);
    peer.inject({ kind: 'resume' });
    await waitFor('a recovery', () => r.health('XBT/USD').recoveries >= 1);
    peer.pause();
    await r.expectEqual('XBT/USD', peer.bookOf('XBT/USD'));
    expect(peer.connections).toBeGreaterThanOrEqual(2);
    expect(r.health('XBT/USD').gaps).toBeGreaterThanOrEqual(1);
    // Stale from the moment the watchdog fired (the silence before it could not be told from a quiet market).
    expect(r.health('XBT/USD').staleMs).toBeGreaterThan(0);
    r.expectNoStaleDeltas('XBT/USD');
  });

  it('a disconnect in the middle of a snapshot reconnects again and the book recovers', async () => {
    const peer = await start(new KrakenPeer());
    const r = run(krakenLive({ url: peer.wsUrl, pairs: ['XBT/USD'], depth: 10, exchange: 'KRAKEN' }), 'KRAKEN');
    peer.run(3);
    await waitFor('updates flowing', () => r.got.filter((u) => u.kind === 'delta').length > 20);
    // The venue drops the connection; on the next subscription it sends half a snapshot and drops again.
    peer.inject({ kind: 'disconnect-mid-snapshot' });
    await waitFor('a recovery', () => r.health('XBT/USD').recoveries >= 1 && peer.connections >= 3);
    peer.pause();
    await r.expectEqual('XBT/USD', peer.bookOf('XBT/USD'));
    expect(r.src.connects).toBeGreaterThanOrEqual(3);
    expect(r.health('XBT/USD')).toMatchObject({ gaps: 1, recoveries: 1 });
    r.expectNoStaleDeltas('XBT/USD');
  });

  it('in the owning thread the published book is the venue sync\'s own book: each change applied once', async () => {
    const peer = await start(new BinancePeer());
    const venue = binanceLive({ wsBase: peer.wsUrl, restBase: peer.httpUrl, symbols: ['BTCUSDT'], depthLimit: 1000, exchange: 'BINANCE' });
    const r = run(venue, 'BINANCE', undefined, true);
    peer.run(3);
    await waitFor('updates flowing', () => r.got.filter((u) => u.kind === 'delta').length > 20);
    peer.inject({ kind: 'skip-update-id' });
    await waitFor('a recovery', () => r.health('BTCUSDT').recoveries >= 1);
    peer.pause();
    await r.expectEqual('BTCUSDT', peer.bookOf('BTCUSDT'));
    const published = [...r.engine.states()].find((st) => st.book.symbol === 'BTCUSDT')!;
    expect(published.book).toBe(venue.book('BTCUSDT'));
    expect(r.got.every((u) => u.kind === 'stale' || u.book === venue.book('BTCUSDT'))).toBe(true);
    r.expectNoStaleDeltas('BTCUSDT');
  });

  it('a stale book answers no snapshot request and publishes one STALE marker', () => {
    const engine = new PublishEngine({ epoch: 1, dataSuffix: 'orderbook', snapshotDepth: 100 });
    const base = { exchange: 'KRAKEN', symbol: 'XBT/USD', format: { priceDecimals: 2, sizeDecimals: 0 }, exchSeq: 0, exchTsUs: 0, recvMonoNs: 0, recvWallUs: 0, atUs: 0 };
    expect(engine.apply({ ...base, kind: 'stale' })).toBeUndefined();
    engine.apply({ ...base, kind: 'snapshot', bids: [[100, 1]], asks: [[101, 1]] });
    expect(engine.snapshot('KRAKEN', 'XBT/USD')).toBeDefined();
    const marker = engine.apply({ ...base, kind: 'stale' });
    expect(marker?.state.seq).toBe(2);
    expect(engine.apply({ ...base, kind: 'stale' })).toBeUndefined();
    expect(engine.snapshot('KRAKEN', 'XBT/USD')).toBeUndefined();
    expect(engine.apply({ ...base, kind: 'delta', changes: [{ side: 'bid', price: 100, size: 5 }] })).toBeUndefined();
    expect(engine.apply({ ...base, kind: 'snapshot', bids: [[99, 1]], asks: [[101, 1]] })?.state.seq).toBe(3);
    expect(engine.snapshot('KRAKEN', 'XBT/USD')).toBeDefined();
  });
});
