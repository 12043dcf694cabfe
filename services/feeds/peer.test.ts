/**
 * The venue peers with several symbols (each worker of an ingest opens its own connection for its
 * share) and their control surface: every symbol's live book equals the peer's, a fault on one
 * symbol leaves the others alone, and bad control requests are refused with a reason.
 */
import { FeedConnectionSchema } from '../../config/schema.js';
import type { FeedUpdate } from '../ingest/feed-update.js';
import { WebSocketSource } from '../ingest/sources/websocket.js';
import { binanceLive } from './binance/live.js';
import { BinancePeer } from './binance/peer.js';
import { coinbaseAdvancedLive } from './coinbase/advanced-live.js';
import { CoinbaseAdvancedPeer } from './coinbase/advanced-peer.js';
import { coinbaseLive } from './coinbase/live.js';
import { CoinbasePeer } from './coinbase/peer.js';
import { krakenLive } from './kraken/live.js';
import { KrakenPeer } from './kraken/peer.js';
import type { LiveVenue } from './live.js';
import { PEER_VENUES, PeerControl, PeerControlClient, PeerRefused, VENUE_PEERS } from './peer-control.js';
import { FAULT_MEANING, PEER_FAULT_KINDS, type VenuePeer } from './peer.js';
import { sleep, waitFor } from '../../test/harness/live-run.js';


const conn = FeedConnectionSchema.parse({ watchdogMs: 5000, reconnect: { baseMs: 20, maxMs: 200, jitterMs: 10 }, recovery: { baseMs: 20, maxMs: 300, jitterMs: 10 }, recoveryTimeoutMs: 500, restTimeoutMs: 1000 });

describe('venue peers with several symbols', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterEach(async () => { for (const c of cleanup.splice(0).reverse()) await c(); });

  /** Start the peer, then a live source at its URL, as the ingest would run it. */
  async function live(peer: VenuePeer, makeVenue: (p: VenuePeer) => LiveVenue, exchange: string, c = conn) {
    // A peer serves several connections: started (and stopped) once.
    if (peer.port === 0) {
      await peer.start();
      cleanup.push(() => peer.stop());
    }
    const venue = makeVenue(peer);
    const src = new WebSocketSource(venue, exchange, c);
    const got: FeedUpdate[] = [];
    const done = src.run((u) => got.push(u));
    cleanup.push(async () => { src.stop(); await done; });
    return { venue, src, got };
  }
  type Run = Awaited<ReturnType<typeof live>> & { symbol: string };

  const equal = (venue: LiveVenue, peer: VenuePeer, symbol: string) => {
    const book = venue.book(symbol);
    if (!book || venue.needsSnapshot(symbol)) return false;
    const { priceDecimals: pd, sizeDecimals: sd } = book.format;
    const want = peer.bookOf(symbol);
    return JSON.stringify([book.top('bid', 100), book.top('ask', 100)]) === JSON.stringify([want.scaled('bid', pd, sd), want.scaled('ask', pd, sd)]);
  };

  it.each([
    ['kraken', () => new KrakenPeer({ symbols: ['XBT/USD', 'ETH/USD'] }), (p: VenuePeer) => krakenLive({ url: p.wsUrl, pairs: ['XBT/USD', 'ETH/USD'], depth: 10, exchange: 'KRAKEN' }), 'bad-checksum', 'XBT/USD', 'ETH/USD'],
    ['binance', () => new BinancePeer({ symbols: ['BTCUSDT', 'ETHUSDT'] }), (p: VenuePeer) => binanceLive({ wsBase: p.wsUrl, restBase: p.httpUrl, symbols: ['BTCUSDT', 'ETHUSDT'], depthLimit: 1000, exchange: 'BINANCE' }), 'skip-update-id', 'ETHUSDT', 'BTCUSDT'],
    ['coinbase', () => new CoinbasePeer({ symbols: ['BTC-USD', 'ETH-USD'] }), (p: VenuePeer) => coinbaseLive({ url: p.wsUrl, products: ['BTC-USD', 'ETH-USD'], exchange: 'COINBASE' }), 'lose-message', 'ETH-USD', 'BTC-USD'],
  ] as const)('%s: both books follow the peer; a fault on one symbol recovers it and leaves the other alone', async (name, makePeer, makeVenue, kind, hit, spared) => {
    const peer = makePeer();
    const { venue, src, got } = await live(peer, makeVenue, name.toUpperCase());
    peer.run(3);
    await waitFor('both symbols flowing', () => [hit, spared].every((s) => got.filter((u) => u.symbol === s && u.kind === 'delta').length > 10));
    expect(peer.inject({ kind, symbol: hit })).toContain(hit);
    await waitFor('a recovery', () => (src.recovery.health()[hit]?.recoveries ?? 0) >= 1);
    peer.pause();
    await waitFor('both books equal the peer\'s', () => equal(venue, peer, hit) && equal(venue, peer, spared));
    expect(src.recovery.health()[hit]).toMatchObject({ gaps: 1, recoveries: 1, stale: false });
    expect(src.recovery.health()[spared]).toMatchObject({ gaps: 0, recoveries: 0, stale: false });
    expect(peer.status()).toMatchObject({ faults: { [kind]: 1 }, clients: 1, connections: 1 });
  });

  it('coinbase-advanced: a lost message resyncs the products of its connection only (one connection per worker, as the ingest runs it)', async () => {
    // sequence_num is per connection, so a loss cannot be pinned to a product: the other product
    // is spared here because it is on another connection, as with two ingest workers.
    const peer = new CoinbaseAdvancedPeer({ symbols: ['BTC-USD', 'ETH-USD'] });
    const [hit, spared] = [
      await live(peer, (p) => coinbaseAdvancedLive({ url: p.wsUrl, products: ['BTC-USD'], exchange: 'COINBASE' }), 'COINBASE'),
      await live(peer, (p) => coinbaseAdvancedLive({ url: p.wsUrl, products: ['ETH-USD'], exchange: 'COINBASE' }), 'COINBASE'),
    ].map((r, i) => ({ ...r, symbol: i === 0 ? 'BTC-USD' : 'ETH-USD' })) as [Run, Run];
    peer.run(3);
    await waitFor('both connections flowing', () => [hit, spared].every((r) => r.got.filter((u) => u.kind === 'delta').length > 10));
    expect(peer.inject({ kind: 'lose-message', symbol: 'BTC-USD' })).toContain('BTC-USD');
    await waitFor('a recovery', () => (hit.src.recovery.health()['BTC-USD']?.recoveries ?? 0) >= 1);
    peer.pause();
    await waitFor('both books equal the peer\'s', () => equal(hit.venue, peer, 'BTC-USD') && equal(spared.venue, peer, 'ETH-USD'));
    // Only the connection carrying BTC-USD numbered the lost message; the book never crossed.
    expect(peer.lost).toBe(1);
    expect(hit.venue.syncStats().crossed).toBe(0);
    expect(hit.src.recovery.health()['BTC-USD']).toMatchObject({ gaps: 1, recoveries: 1, stale: false });
    expect(spared.src.recovery.health()['ETH-USD']).toMatchObject({ gaps: 0, recoveries: 0, stale: false });
    expect(peer.status()).toMatchObject({ venue: 'coinbase-advanced', faults: { 'lose-message': 1 }, clients: 2, connections: 2 });
  });

  it('a paused walk still sends each venue\'s keep-alive, so no watchdog fires', async () => {
    // Keep-alives come about once a second (1.25 s at most, plus event-loop lag on a loaded machine).
    const quiet = FeedConnectionSchema.parse({ ...conn, watchdogMs: 2500 });
    const runs = await Promise.all([
      live(new KrakenPeer({ symbols: ['XBT/USD'] }), (p) => krakenLive({ url: p.wsUrl, pairs: ['XBT/USD'], depth: 10, exchange: 'KRAKEN' }), 'KRAKEN', quiet),
      live(new BinancePeer({ symbols: ['BTCUSDT'] }), (p) => binanceLive({ wsBase: p.wsUrl, restBase: p.httpUrl, symbols: ['BTCUSDT'], depthLimit: 1000, exchange: 'BINANCE' }), 'BINANCE', quiet),
      live(new CoinbasePeer({ symbols: ['BTC-USD'] }), (p) => coinbaseLive({ url: p.wsUrl, products: ['BTC-USD'], exchange: 'COINBASE' }), 'COINBASE', quiet),
      live(new CoinbaseAdvancedPeer({ symbols: ['BTC-USD'] }), (p) => coinbaseAdvancedLive({ url: p.wsUrl, products: ['BTC-USD'], exchange: 'COINBASE' }), 'COINBASE', quiet),
    ]);
    await waitFor('in sync', () => runs.every(({ venue }) => venue.symbols.every((s) => venue.book(s) !== undefined && !venue.needsSnapshot(s))));
    // Past the watchdog (checked every watchdogMs / 4): without keep-alives every source would have reconnected.
    await sleep(3500);
    expect(runs.map(({ src }) => [src.watchdogTimeouts, src.connects])).toEqual([[0, 1], [0, 1], [0, 1], [0, 1]]);
  });
});

describe('the fault vocabulary', () => {
  it('every peer has a meaning for each fault it takes, and takes each fault named for its venue', () => {
    for (const v of PEER_VENUES) {
      const peer = VENUE_PEERS[v]({ symbols: ['X'] });
      expect(peer.venue).toBe(v);
      for (const k of PEER_FAULT_KINDS) {
        expect(peer.takes(k), `${v} ${k}`).toBe(peer.faultMeaning(k) !== undefined);
        expect(peer.takes(k), `${v} ${k}`).toBe(v in FAULT_MEANING[k] || '*' in FAULT_MEANING[k]);
      }
    }
    // One kind, two meanings: the legacy feed sees a crossed book, Advanced Trade only the sequence.
    expect(VENUE_PEERS.coinbase({ symbols: ['X'] }).faultMeaning('lose-message')).toMatch(/book crosses/);
    expect(VENUE_PEERS['coinbase-advanced']({ symbols: ['X'] }).faultMeaning('lose-message')).toMatch(/never crosses .*sequence_num/);
    expect(() => VENUE_PEERS.coinbase({ symbols: ['X'] }).inject({ kind: 'duplicate-message' })).toThrow(/a coinbase peer takes no "duplicate-message" fault \(coinbase-advanced only\); it takes lose-message, disconnect-mid-snapshot/);
  });
});

describe('peer control surface', () => {
  let peer: KrakenPeer;
  let control: PeerControl;
  let client: PeerControlClient;
  beforeAll(async () => {
    peer = await new KrakenPeer({ symbols: ['XBT/USD', 'ETH/USD'] }).start();
    control = new PeerControl(peer);
    client = new PeerControlClient(await control.start());
  });
  afterAll(async () => { await control.stop(); await peer.stop(); });

  it('status, book, walk and a fault', async () => {
    expect(await client.status()).toMatchObject({ venue: 'kraken', symbols: ['XBT/USD', 'ETH/USD'], url: peer.wsUrl, walking: false, clients: 0 });
    const book = await client.book('XBT/USD');
    expect(book).toEqual({ symbol: 'XBT/USD', ...peer.bookOf('XBT/USD').view() });
    expect(book.bids[0]![0]).toBe('99.99');
    expect(await client.walk({ running: true, intervalMs: 5 })).toMatchObject({ walking: true, intervalMs: 5 });
    await sleep(50);
    expect((await client.status()).changes['ETH/USD']).toBeGreaterThan(0);
    expect(await client.walk({ running: false })).toMatchObject({ walking: false });
    expect((await client.fault({ kind: 'stall', ms: 50 })).done).toMatch(/stalled for 50 ms/);
    expect(peer.stalled).toBe(true);
    await sleep(100);
    expect(peer.stalled).toBe(false);
    expect((await client.status()).faults).toEqual({ stall: 1 });
    expect((await client.status()).takes).toMatchObject({ 'bad-checksum': expect.stringMatching(/CRC32/), resume: 'end a stall' });
  });

  it('refuses what it cannot take, saying why', async () => {
    await expect(client.fault({ kind: 'skip-update-id' })).rejects.toThrow(PeerRefused);
    await expect(client.fault({ kind: 'skip-update-id' })).rejects.toThrow(/kraken peer takes no "skip-update-id" fault .*it takes bad-checksum/);
    await expect(client.fault({ kind: 'bad-checksum', symbol: 'DOGE/USD' })).rejects.toThrow(/unknown symbol "DOGE\/USD"; this kraken peer serves XBT\/USD, ETH\/USD/);
    await expect(client.fault({ kind: 'nope' } as never)).rejects.toThrow(/kind: Invalid option/);
    await expect(client.fault({ kind: 'stall', extra: 1 } as never)).rejects.toThrow(/Unrecognized key/);
    await expect(client.book('DOGE/USD')).rejects.toThrow(/unknown symbol/);
    const res = await fetch(`${(client as unknown as { base: string }).base}/fault`, { method: 'POST', body: 'not json' });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'request body is not JSON' });
  });
});
