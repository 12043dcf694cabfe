/**
 * Coinbase Advanced Trade live recovery through the real WebSocketSource against a local peer
 * speaking the protocol (advanced-peer.ts), published with the real PublishEngine. The fault the
 * legacy channel cannot see: one lost update that leaves the book uncrossed (a size change deep
 * in the book). Only `sequence_num` shows it, and since the number is per connection, every
 * product on the connection must go stale once, be resubscribed and come back equal to the
 * peer's own book, with nothing but the STALE marker and then a snapshot handed on in between.
 */
import type { FeedConnection } from '../../../config/feed-connection.js';
import { LiveRun, sleep, testConnection as connection, waitFor } from '../../../test/harness/live-run.js';
import { coinbaseAdvancedLive, type CoinbaseAdvancedVenue } from './advanced-live.js';
import { CoinbaseAdvancedPeer } from './advanced-peer.js';

type Run = LiveRun<CoinbaseAdvancedVenue>;

const PRODUCTS = ['BTC-USD', 'ETH-USD'];

describe('Coinbase Advanced Trade: live recovery against a local peer', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });
  /** A peer and a feed on it, both stopped after the test, with updates flowing for every product. */
  async function started(conn?: FeedConnection, owned = false): Promise<{ p: CoinbaseAdvancedPeer; r: Run }> {
    const p = await new CoinbaseAdvancedPeer({ symbols: PRODUCTS }).start();
    cleanup.push(() => p.stop());
    const r = new LiveRun(coinbaseAdvancedLive({ url: p.wsUrl, products: PRODUCTS, exchange: 'COINBASE' }), 'COINBASE', conn, owned);
    cleanup.push(() => r.stop());
    p.run(3);
    await waitFor('updates flowing for every product', () => PRODUCTS.every((product) => r.deltas(product) > 20));
    return { p, r };
  }

  /** The peer stops changing its books; every product's books then equal the peer's. */
  async function settled(p: CoinbaseAdvancedPeer, r: Run): Promise<void> {
    p.pause();
    for (const s of PRODUCTS) await r.expectEqual(s, p.bookOf(s));
  }

  for (const owned of [false, true]) {
    it(`one lost update that never crosses the book: every product goes stale once, is resubscribed and equals the peer's book${owned ? ' (in the owning thread)' : ''}`, async () => {
      const { p, r } = await started(undefined, owned);
      expect(p.inject({ kind: 'lose-message', symbol: 'BTC-USD' })).toMatch(/BTC-USD .*never sent/);
      await waitFor('both products recovered', () => PRODUCTS.every((s) => r.health(s).recoveries >= 1));
      await settled(p, r);
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
    const { p, r } = await started();
    p.inject({ kind: 'duplicate-message' });
    await waitFor('the duplicate', () => r.venue.sequence.stats.old >= 1);
    await sleep(50);
    await settled(p, r);
    for (const s of PRODUCTS) expect(r.health(s)).toMatchObject({ gaps: 0, recoveries: 0, stale: false });
    expect(r.venue.sequence.stats.gaps).toBe(0);
  });

  it('a connection that stalls without closing is dropped by the watchdog; the new connection numbers from 0 again and every product recovers', async () => {
    const { p, r } = await started(connection({ watchdogMs: 300 }));
    p.inject({ kind: 'stall' });
    await waitFor('the watchdog to drop the connection and mark the books stale', () => r.src.watchdogTimeouts >= 1 && PRODUCTS.every((s) => r.health(s).stale));
    p.inject({ kind: 'resume' });
    await waitFor('both products recovered', () => PRODUCTS.every((s) => r.health(s).recoveries >= 1));
    await settled(p, r);
    expect(p.connections).toBeGreaterThanOrEqual(2);
    // The reconnect is the gap; the sequence starting over on the new connection is not another one.
    expect(r.venue.sequence.stats.gaps).toBe(0);
    for (const s of PRODUCTS) {
      expect(r.health(s)).toMatchObject({ gaps: 1, recoveries: 1, stale: false });
      expect(r.expectNoStaleDeltas(s).staleMarks).toBe(1);
    }
  });

  it('a disconnect in the middle of a snapshot reconnects again and every product recovers', async () => {
    const { p, r } = await started();
    // The venue drops the connection; on the next subscription it sends half a snapshot and drops again.
    p.inject({ kind: 'disconnect-mid-snapshot' });
    await waitFor('both products recovered', () => PRODUCTS.every((s) => r.health(s).recoveries >= 1) && p.connections >= 3);
    await settled(p, r);
    expect(r.src.connects).toBeGreaterThanOrEqual(3);
    for (const s of PRODUCTS) {
      expect(r.health(s)).toMatchObject({ gaps: 1, recoveries: 1 });
      r.expectNoStaleDeltas(s);
    }
  });
});
