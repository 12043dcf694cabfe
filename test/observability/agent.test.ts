/**
 * The agent against a real 3-node mTLS cluster: rates computed from real nats-server counters
 * under a known, paced load must be within ±15% of the rate published; a server restart must never
 * yield a negative rate; service summaries published on _DSM.metrics.<role>.<identity>.<service> become latency points.
 */
import type { NatsConnection } from 'nats';
import { startTestCluster, type TestCluster } from '../harness/cluster.js';
import { MetricsAgent, type AgentObservation } from '../../services/metrics/agent.js';
import { SummaryPublisher } from '../../services/metrics/summary-publisher.js';
import type { MetricPoint } from '../../services/metrics/points.js';
import { publishAtRate } from './load.js';

const RATE = 2000;
const TOLERANCE = 0.15;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('metrics agent on a live cluster', () => {
  let tc: TestCluster;
  let agent: MetricsAgent;
  const ticks: Array<{ obs: AgentObservation; points: readonly MetricPoint[] }> = [];
  let ops: NatsConnection;

  beforeAll(async () => {
    tc = await startTestCluster();
    ops = await tc.connect('ops', { servers: [tc.clientUrls[2]!] });
    // 2 s intervals: a scheduling hiccup on a shared machine moves few messages across a boundary.
    agent = new MetricsAgent(tc.config, { nc: ops, intervalMs: 2000 });
    agent.onTick((obs, points) => ticks.push({ obs, points }));
    await agent.start();
  });
  afterAll(async () => {
    await agent?.stop();
    await tc?.stop();
  });

  const value = (points: readonly MetricPoint[], metric: MetricPoint['metric'], dim?: string) =>
    points.find((p) => p.metric === metric && (dim === undefined || Object.values(p.dimensions).includes(dim)))?.value;

  it(`computes per-node and cluster rates within ±${TOLERANCE * 100}% of a known ${RATE} msg/s load`, async () => {
    const pub = await tc.connect('ingest', { servers: [tc.clientUrls[0]!] });
    const subNc = await tc.connect('subscriber', { servers: [tc.clientUrls[1]!] });
    let received = 0;
    subNc.subscribe('NASDAQ.*.orderbook', { callback: () => void received++ });
    await subNc.flush();
    const load = publishAtRate(pub, 'NASDAQ.AAPL.orderbook', RATE);
    await sleep(2500); // let the load settle for a full interval
    const from = ticks.length;
    await sleep(6500);
    const during = ticks.slice(from);
    await load.stop();
    expect(received).toBeGreaterThan(0);
    expect(during.length).toBeGreaterThanOrEqual(3);

    const within = (v: number | undefined, expected: number) => {
      expect(v).toBeDefined();
      expect(Math.abs(v! - expected) / expected, `got ${v}, expected ${expected}`).toBeLessThanOrEqual(TOLERANCE);
    };
    for (const { obs, points } of during) {
      within(obs.publishedRate, RATE);
      within(obs.deliveredRate, RATE);
      within(value(points, 'clusterPublishedRate'), RATE);
      within(value(points, 'clusterDeliveredRate'), RATE);
      // nats-1 takes the publisher's messages in and forwards them out on the route to nats-2,
      // which takes them in from the route and delivers them to the subscriber.
      within(value(points, 'natsMsgsInRate', 'nats-1'), RATE);
      within(value(points, 'natsMsgsOutRate', 'nats-1'), RATE);
      within(value(points, 'natsMsgsInRate', 'nats-2'), RATE);
      within(value(points, 'natsMsgsOutRate', 'nats-2'), RATE);
      within(value(points, 'natsBytesInRate', 'nats-1'), RATE * 64 * 1.0);
      expect(value(points, 'natsRoutes', 'nats-1')).toBe(2);
      expect(value(points, 'natsSlowConsumers', 'nats-1')).toBe(0);
    }
    const perNode = during.map(({ points }) => value(points, 'natsMsgsInRate', 'nats-3') ?? -1);
    for (const v of perNode) expect(v).toBeLessThan(RATE * 0.05);
  });

  it('turns service summaries into per-hop latency and per-exchange points', async () => {
    const ingest = await tc.connect('ingest', { servers: [tc.clientUrls[0]!] });
    const subscriber = await tc.connect('subscriber', { servers: [tc.clientUrls[1]!] });
    const a = new SummaryPublisher(ingest, tc.config, { service: 'ingest-1' });
    const b = new SummaryPublisher(subscriber, tc.config, { service: 'subscriber-1' });
    for (let i = 1; i <= 1000; i++) a.latency.record('ingest_to_publish', i);
    for (let i = 0; i < 500; i++) b.latency.record('end_to_end', 300);
    b.latency.record('end_to_end', 9000);
    a.counters.count('NASDAQ', 'published', 500);
    b.counters.count('NASDAQ', 'gaps', 2);
    a.flush();
    b.flush();
    await Promise.all([ingest.flush(), subscriber.flush()]);
    await sleep(200);
    const obs = await agent.tick();
    expect(obs.latency.ingest_to_publish).toMatchObject({ count: 1000 });
    expect(obs.latency.ingest_to_publish!.p99).toBeGreaterThanOrEqual(985);
    expect(obs.latency.ingest_to_publish!.p99).toBeLessThanOrEqual(995);
    expect(obs.latency.end_to_end).toMatchObject({ count: 501, p50: 300 });
    expect(obs.latency.end_to_end!.max).toBeGreaterThanOrEqual(9000);
    const cluster = tc.config.nats.clusterName;
    expect(agent.history.latest('latencyP99', { Cluster: cluster, Hop: 'end_to_end' })).toBe(300);
    expect(agent.history.latest('gaps', { Cluster: cluster, Exchange: 'NASDAQ' })).toBe(2);
    expect(agent.history.latest('publishedRate', { Cluster: cluster, Exchange: 'NASDAQ' })).toBeGreaterThan(0);
    // Garbage on the subject is counted and ignored, not fatal.
    ingest.publish(`${tc.config.subjects.controlPrefix}.metrics.ingest.ingest.bogus`, 'not json');
    await ingest.flush();
    await sleep(200);
    expect(agent.stats.badSummaries).toBe(1);
  });

  it('reports no negative rate across a server restart', async () => {
    const pub = await tc.connect('ingest', { servers: [tc.clientUrls[2]!] });
    const load = publishAtRate(pub, 'KRAKEN.X.orderbook', 500);
    await sleep(2200);
    const from = ticks.length;
    tc.cluster.killNode(3);
    await sleep(2500);
    await tc.cluster.startNode(3, { wait: true });
    await sleep(4500);
    await load.stop();
    const after = ticks.slice(from);
    expect(after.some((t) => t.obs.nodesFailed.includes('nats-3'))).toBe(true);
    const n3 = after.flatMap((t) => t.points.filter((p) => p.dimensions.Node === 'nats-3' && p.metric !== 'natsConnections' && p.metric !== 'natsRoutes'));
    expect(n3.length).toBeGreaterThan(0);
    for (const p of after.flatMap((t) => t.points)) expect(p.value, `${p.metric} ${JSON.stringify(p.dimensions)}`).toBeGreaterThanOrEqual(0);
    // Once restarted, nats-3 reports rates again (the publisher reconnected somewhere and traffic flows).
    expect(after.at(-1)!.obs.nodesFailed).toEqual([]);
  });
});
