/**
 * Issue 16: per-symbol set-up is off the publish path. Thousands of new symbols must not turn
 * into thousands of SUB protocol lines and route interest updates while the ingest publishes: a
 * publisher core answers snapshot requests for all its books on one wildcard subscription.
 * Checked against the real server (its /connz subscription list), not against our own counters.
 */
import { IngestService } from '../services/ingest/service.js';
import type { FeedUpdate } from '../services/ingest/feed-update.js';
import { Subscriber } from '../services/subscriber/subscriber.js';
import { decode } from '../services/wire/index.js';
import { startTestCluster, type TestCluster } from './harness/cluster.js';

const FORMAT = { priceDecimals: 2, sizeDecimals: 0 };
const SYMBOLS = 2_000;

function updates(): FeedUpdate[] {
  return Array.from({ length: SYMBOLS }, (_, k) => ({
    kind: 'delta' as const, exchange: 'NYSE', symbol: k === 7 ? 'BRK.B' : `S${k}`, format: FORMAT, exchSeq: 1, exchTsUs: 0, recvMonoNs: 0, recvWallUs: 0, atUs: 0,
    changes: [{ side: 'bid' as const, price: 10_000 + k, size: 5 }],
  }));
}

async function snapshotSubs(tc: TestCluster): Promise<string[]> {
  const res = await fetch(`${tc.monitorUrls[0]}/connz?subs=1&limit=1000`);
  const connz = (await res.json()) as { connections: Array<{ name?: string; subscriptions_list?: string[] }> };
  return connz.connections.filter((c) => c.name?.startsWith('scale-ingest')).flatMap((c) => c.subscriptions_list ?? []).filter((s) => s.includes('.snapshot.'));
}

describe('ingest set-up per symbol', () => {
  let tc: TestCluster;
  beforeAll(async () => { tc = await startTestCluster(); }, 60_000);
  afterAll(async () => { await tc?.stop(); });

  for (const workers of [0, 2]) {
    it(`opens one snapshot subscription per publisher core, not one per book (${workers === 0 ? 'inline' : `${workers} workers`}, ${SYMBOLS} symbols)`, async () => {
      const ingest = new IngestService({ config: tc.config, tlsDir: tc.tlsDir, root: process.cwd(), pace: { mode: 'max' }, sources: [], workers, servers: [tc.clientUrls[0]!], publisherId: `scale-ingest-${workers}` });
      await ingest.start();
      try {
        for (const u of updates()) ingest.route(u);
        ingest.flush();
        const books = await ingest.dump();
        expect(books.length).toBe(SYMBOLS);
        const subs = await snapshotSubs(tc);
        expect(subs.length).toBe(Math.max(1, workers));
        expect(new Set(subs)).toEqual(new Set([`${tc.config.subjects.controlPrefix}.snapshot.>`]));

        // Every book still answers its own snapshot request (escaped token included), whichever core owns it.
        const nc = await tc.connect('subscriber', { servers: [tc.clientUrls[2]!] });
        try {
          for (const [symbol, token] of [['S1999', 'S1999'], ['BRK.B', 'BRK~2EB'], ['S0', 'S0']] as const) {
            const reply = await nc.request(`${tc.config.subjects.controlPrefix}.snapshot.NYSE.${token}`, new Uint8Array(0), { timeout: 5000 });
            const m = decode(reply.data);
            if (!m.ok) throw new Error(m.detail);
            expect([m.message.type, m.message.symbol, m.message.seq, m.message.bidCount]).toEqual(['snapshot', symbol, 1, 1]);
          }
          // An unknown book: its owning core says at once that it holds no such book (an empty
          // reply, never another book), so a subscriber can forget a made-up symbol.
          const none = await nc.request(`${tc.config.subjects.controlPrefix}.snapshot.NYSE.NOPE`, new Uint8Array(0), { timeout: 5000 });
          expect(none.data.length).toBe(0);
        } finally {
          await nc.close();
        }
        await new Promise((r) => setTimeout(r, 300)); // worker stats refresh every 250 ms
        const stats = ingest.workerStats();
        expect(stats.reduce((a, w) => a + w.snapshotRequests, 0)).toBe(3);
        expect(stats.reduce((a, w) => a + w.symbols, 0)).toBe(SYMBOLS);
      } finally {
        await ingest.stop();
      }
    }, 60_000);
  }

  for (const workers of [0, 1]) {
    it(`coalescing (opt-in, ${workers === 0 ? 'inline' : '1 worker'}) packs one symbol's changes of one turn into one message; subscribers see contiguous sequences and equal books`, async () => {
      const ingest = new IngestService({ config: tc.config, tlsDir: tc.tlsDir, root: process.cwd(), pace: { mode: 'max' }, sources: [], workers, servers: [tc.clientUrls[0]!], publisherId: `scale-coalesce-${workers}`, coalesce: true });
      await ingest.start();
      const sub = new Subscriber({ config: tc.config, tlsDir: tc.tlsDir, subjects: ['NYSE.*.orderbook'], servers: [tc.clientUrls[2]!], name: 'coalesce-sub' });
      let messages = 0;
      sub.addHandler(() => { messages++; });
      await sub.start();
      await new Promise((r) => setTimeout(r, 200));
      try {
        // 10 symbols x 50 updates each, in 5 synchronous bursts (5 turns).
        let exchSeq = 0;
        for (let turn = 0; turn < 5; turn++) {
          for (let i = 0; i < 100; i++) {
            const k = i % 10;
            ingest.route({ kind: 'delta', exchange: 'NYSE', symbol: `C${k}`, format: FORMAT, exchSeq: ++exchSeq, exchTsUs: 0, recvMonoNs: 0, recvWallUs: 0, atUs: 0, changes: [{ side: i % 3 === 0 ? 'ask' : 'bid', price: 1000 + (i % 7) + (i % 3 === 0 ? 100 : 0), size: turn * 100 + i + 1 }] });
          }
          ingest.flush();
          await new Promise((r) => setTimeout(r, 20));
        }
        expect(await sub.settle(10_000)).toBe(true);
        await new Promise((r) => setTimeout(r, 300));
        const t = sub.mirrors.totals();
        expect(t.gaps).toBe(0);
        expect(t.resyncs).toBe(0);
        expect(messages).toBeGreaterThan(0);
        // Inline: one flush per turn, so at most one message per symbol per turn. A worker gets
        // each turn in up to two hand-off batches (64 updates each) that it may take in separate
        // turns of its own: at most two.
        expect(messages).toBeLessThanOrEqual(workers === 0 ? 50 : 100);
        const books = await ingest.dump();
        expect(books).toHaveLength(10);
        for (const b of books) {
          const mirror = sub.mirrors.get('NYSE', b.symbol)!;
          expect(mirror.book.snapshot()).toEqual({ bids: b.bids, asks: b.asks });
          expect(mirror.lastSeq).toBe(b.seq);
        }
        await new Promise((r) => setTimeout(r, 300)); // worker stats refresh every 250 ms
        expect(ingest.workerStats().reduce((a, w) => a + w.published, 0)).toBe(messages);
      } finally {
        await sub.close();
        await ingest.stop();
      }
    }, 60_000);
  }
});
