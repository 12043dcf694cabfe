/**
 * Issue 16: per-symbol set-up is off the publish path. Thousands of new symbols must not turn
 * into thousands of SUB protocol lines and route interest updates while the ingest publishes: a
 * publisher core answers snapshot requests for all its books on one wildcard subscription.
 * Checked against the real server (its /connz subscription list), not against our own counters.
 */
import { IngestService } from '../services/ingest/service.js';
import type { FeedUpdate } from '../services/ingest/feed-update.js';
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
          // An unknown book gets no answer (the request times out rather than getting another book).
          await expect(nc.request(`${tc.config.subjects.controlPrefix}.snapshot.NYSE.NOPE`, new Uint8Array(0), { timeout: 300 })).rejects.toThrow();
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
});
