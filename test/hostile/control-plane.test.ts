/**
 * Hostile suite, control plane (issue 14): an attacker holding a valid certificate of some role
 * tries to move the ingest lease, reflect snapshot replies onto data and control subjects, and
 * poison the metrics agent. nats-server (rendered permissions) and the services must refuse it,
 * on a real 3-node mTLS cluster with real ingest processes.
 */
import type { NatsConnection } from 'nats';
import { LocalIngestPair } from '../../services/ingest/ha/local-pair.js';
import { IngestService } from '../../services/ingest/service.js';
import type { FeedUpdate } from '../../services/ingest/feed-update.js';
import { MetricsAgent } from '../../services/metrics/agent.js';
import { SummaryPublisher } from '../../services/metrics/summary-publisher.js';
import { Subscriber } from '../../services/subscriber/subscriber.js';
import { startTestCluster, type TestCluster } from '../harness/cluster.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const enc = new TextEncoder();
let exchSeq = 0;

function delta(exchange: string, symbol: string, price: number, size: number): FeedUpdate {
  return { kind: 'delta', exchange, symbol, format: { priceDecimals: 2, sizeDecimals: 0 }, exchSeq: ++exchSeq, exchTsUs: Date.now() * 1000, recvMonoNs: 0, recvWallUs: 0, atUs: 0, changes: [{ side: 'bid', price, size }] };
}

/** Every async error (permission violations) a connection reports, as they come. */
function errorsOf(nc: NatsConnection): string[] {
  const out: string[] = [];
  void (async () => { for await (const s of nc.status()) if (s.type === 'error') out.push(String(s.data)); })();
  return out;
}

/** Every message on `subject` an ops watcher sees. */
function watch(nc: NatsConnection, subject: string): string[] {
  const got: string[] = [];
  nc.subscribe(subject, { callback: (_e, m) => got.push(m.subject) });
  return got;
}

describe('hostile: control plane on the mTLS cluster', () => {
  let tc: TestCluster;
  beforeAll(async () => { tc = await startTestCluster(); }, 60_000);
  afterAll(async () => { await tc?.stop(); });

  describe('lease hijack', () => {
    let pair: LocalIngestPair;
    let feed: NodeJS.Timeout;
    beforeAll(async () => {
      pair = new LocalIngestPair({ config: tc.config, tlsDir: tc.tlsDir, servers: tc.clientUrls, root: process.cwd(), group: 'hostile' });
      await pair.start();
      let n = 0;
      feed = setInterval(() => pair.send([delta('NYSE', 'IBM', 10_000 + (n % 50), ++n)]), 10);
    }, 60_000);
    afterAll(async () => { clearInterval(feed); await pair?.stop(); });

    /** Forge heartbeats for `ms` while measuring what the pair publishes meanwhile. */
    async function underAttack(nc: NatsConnection, body: object, ms = 1500) {
      const leader = await pair.waitForLeader(5000);
      const before = pair.published();
      const t = setInterval(() => nc.publish('_DSM.lease.hostile', enc.encode(JSON.stringify(body))), 20);
      await sleep(ms);
      clearInterval(t);
      await nc.flush();
      return { leader, after: pair.leader(), published: pair.published() - before };
    }

    it('ops and subscriber identities cannot publish on the lease at all (nats-server refuses)', async () => {
      for (const identity of ['ops', 'subscriber']) {
        const nc = await tc.connect(identity);
        const errors = errorsOf(nc);
        const r = await underAttack(nc, { id: 'zzzz', epoch: 1_000, leader: true });
        expect(errors[0], identity).toBe('PERMISSIONS_VIOLATION');
        expect(r.after, identity).toBe(r.leader);
        expect(r.published, identity).toBeGreaterThan(20); // kept publishing through the attack
      }
      const logs = (await Promise.all(tc.nodes.map((n) => import('node:fs/promises').then((fs) => fs.readFile(tc.cluster.logPath(n.index), 'utf8'))))).join('\n');
      expect(logs).toMatch(/Publish Violation - User "CN=ops,OU=ops,O=DSM", Subject "_DSM\.lease\.hostile"/);
    }, 30_000);

    it('a forged epoch of 2^32-1 (even from an ingest certificate) is refused, not obeyed', async () => {
      const nc = await tc.connect('ingest');
      const r = await underAttack(nc, { id: 'zzzz', epoch: 2 ** 32 - 1, leader: true });
      expect(r.after).toBe(r.leader);
      expect(r.published).toBeGreaterThan(20);
      // Malformed heartbeats too.
      const g = await underAttack(nc, { id: 'zzzz', epoch: -1, leader: 'yes' }, 500);
      expect(g.after).toBe(g.leader);
      expect(g.published).toBeGreaterThan(5);
    }, 30_000);
  });

  describe('reply reflection and subject/payload mismatch', () => {
    let ingest: IngestService;
    let nyseOnly: Subscriber;
    beforeAll(async () => {
      ingest = new IngestService({ config: tc.config, tlsDir: tc.tlsDir, root: process.cwd(), pace: { mode: 'max' }, sources: [], workers: 2, servers: [tc.clientUrls[0]!] });
      await ingest.start();
      nyseOnly = await new Subscriber({ config: tc.config, tlsDir: tc.tlsDir, identity: 'subscriber-nyse', subjects: ['NYSE.*.orderbook'], servers: [tc.clientUrls[2]!] }).start();
      await sleep(300);
      for (const u of [delta('NYSE', 'AAPL', 10_000, 5), delta('NASDAQ', 'AAPL', 50_000, 999)]) ingest.route(u);
      ingest.flush();
      expect(await nyseOnly.settle(10_000)).toBe(true);
    }, 60_000);
    afterAll(async () => { await nyseOnly?.close(); await ingest?.stop(); });

    it('a NASDAQ snapshot requested with a NYSE data, lease or tune subject as reply lands nowhere', async () => {
      const ops = await tc.connect('ops');
      const seen = { data: watch(ops, 'NYSE.AAPL.orderbook'), lease: watch(ops, '_DSM.lease.ingest'), tune: watch(ops, '_DSM.tune.client') };
      await ops.flush();
      const refusedBefore = ingest.workerStats().reduce((a, w) => a + (w.refusedReplies ?? 0), 0);
      for (const identity of ['subscriber', 'ops']) {
        const nc = await tc.connect(identity);
        for (const reply of ['NYSE.AAPL.orderbook', '_DSM.lease.ingest', '_DSM.tune.client', '_INBOX.subscriber-nyse.stolen']) {
          nc.publish('_DSM.snapshot.NASDAQ.AAPL', new Uint8Array(0), { reply });
        }
        await nc.flush();
      }
      await sleep(800);
      expect(seen).toEqual({ data: [], lease: [], tune: [] });
      expect(nyseOnly.mirrors.get('NASDAQ', 'AAPL')).toBeUndefined();
      expect(nyseOnly.mirrors.get('NYSE', 'AAPL')!.book.bestBid()).toEqual([10_000, 5]);
      const refused = ingest.workerStats().reduce((a, w) => a + (w.refusedReplies ?? 0), 0) - refusedBefore;
      expect(refused).toBe(8);
      // The requester's own inbox still gets its answer.
      const sub = await tc.connect('subscriber');
      const answer = await sub.request('_DSM.snapshot.NASDAQ.AAPL', new Uint8Array(0), { timeout: 3000 });
      expect(answer.data.length).toBeGreaterThan(52);
    }, 30_000);

    it('a subscriber drops and counts a payload whose exchange differs from its subject', async () => {
      // What a reflected reply would have been: a NASDAQ snapshot published on a NYSE subject.
      const sub = await tc.connect('subscriber');
      const nasdaqSnapshot = (await sub.request('_DSM.snapshot.NASDAQ.AAPL', new Uint8Array(0), { timeout: 3000 })).data;
      const rogue = await tc.connect('ingest'); // only ingest identities may publish data at all
      const before = nyseOnly.counters.mismatched;
      rogue.publish('NYSE.AAPL.orderbook', nasdaqSnapshot);
      await rogue.flush();
      await sleep(500);
      expect(nyseOnly.counters.mismatched - before).toBe(1);
      expect(nyseOnly.mirrors.get('NASDAQ', 'AAPL')).toBeUndefined();
      expect(nyseOnly.mirrors.get('NYSE', 'AAPL')!.book.bestBid()).toEqual([10_000, 5]);
    }, 30_000);
  });

  describe('metric poisoning and tuning', () => {
    let agent: MetricsAgent;
    beforeAll(async () => {
      agent = await new MetricsAgent(tc.config, { nc: await tc.connect('ops'), intervalMs: 60_000 }).start();
    }, 30_000);
    afterAll(async () => { await agent?.stop(); });

    const poison = [
      { service: 'subscriber-1', intervalMs: 1000, at: Date.now(), hops: { end_to_end: { p50: 60_000_000, p99: 60_000_001, p999: 60_000_001, max: 1e300, count: 10 } }, exchanges: {}, subscriberSlow: 0 },
      { service: 'subscriber-1', intervalMs: 1000, at: Date.now(), hops: {}, exchanges: { NYSE: { received: 4.5e28 } }, subscriberSlow: 0 },
      { service: 'subscriber-1', intervalMs: 1000, at: Date.now(), hops: {}, exchanges: Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`FAKE${i}`, { received: 1 }])), subscriberSlow: 0 },
      { service: 'subscriber-1', intervalMs: 1e-9, at: Date.now(), hops: {}, exchanges: { NYSE: { received: 1 } }, subscriberSlow: 0 },
      { service: 'ingest-1', intervalMs: 1000, at: Date.now(), hops: {}, exchanges: {}, subscriberSlow: 0 },
    ];

    it('refuses summaries on another identity\'s subject, and judges the rest before believing them', async () => {
      const nc = await tc.connect('subscriber');
      const errors = errorsOf(nc);
      nc.publish('_DSM.metrics.ingest.ingest.ingest-1', JSON.stringify(poison[4]));
      nc.publish('_DSM.metrics.subscriber-1', JSON.stringify(poison[4]));
      await nc.flush();
      await sleep(300);
      expect(errors).toContain('PERMISSIONS_VIOLATION');
      const before = agent.stats.badSummaries;
      for (const p of poison) nc.publish('_DSM.metrics.subscriber.subscriber.subscriber-1', JSON.stringify(p));
      await nc.flush();
      await sleep(500);
      expect(agent.stats.badSummaries - before).toBe(poison.length);
      expect(agent.rejectedBy.get('subscriber')).toBe(poison.length);
      const obs = await agent.tick();
      expect(obs.latency).toEqual({});
      // An honest summary from the same identity still counts.
      const honest = new SummaryPublisher(nc, tc.config, { service: 'subscriber-1' });
      for (let i = 0; i < 100; i++) honest.latency.record('end_to_end', 250);
      honest.counters.count('NYSE', 'received', 100);
      honest.flush();
      await nc.flush();
      await sleep(300);
      const ok = await agent.tick();
      expect(ok.latency.end_to_end).toMatchObject({ count: 100, p99: 250 });
    }, 30_000);

    it('only ops may publish tuning', async () => {
      for (const identity of ['subscriber', 'ingest']) {
        const nc = await tc.connect(identity);
        const errors = errorsOf(nc);
        nc.publish('_DSM.tune.client', JSON.stringify({ maxQueuedMessages: 100, reason: 'x', at: 1 }));
        await nc.flush();
        await sleep(300);
        expect(errors, identity).toContain('PERMISSIONS_VIOLATION');
      }
      const ops = await tc.connect('ops');
      const errors = errorsOf(ops);
      ops.publish('_DSM.tune.client', JSON.stringify({ batchMessages: 64, reason: 'ok', at: 1 }));
      await ops.flush();
      await sleep(300);
      expect(errors).toEqual([]);
    }, 30_000);
  });
});
