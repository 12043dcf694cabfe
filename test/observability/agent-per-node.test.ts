/**
 * The metrics agents laid out as on AWS: one per NATS node, each started the way the dsm-metrics
 * unit starts it there (`--node <n> --tls-dir ...`, i.e. startAgentRuntime({ node })), against a
 * real 3-node mTLS cluster. Each agent connects to its own node, each service summary is counted
 * by exactly one agent (queue group), and each agent emits its node's client rates, whose sum is
 * the cluster figure dashboards and `dsm tune` read.
 */
import { startTestCluster, type TestCluster } from '../harness/cluster.js';
import { startAgentRuntime, type AgentRuntime } from '../../services/metrics/runtime.js';
import { SummaryPublisher } from '../../services/metrics/summary-publisher.js';
import type { MetricPoint } from '../../services/metrics/points.js';
import { publishAtRate } from './load.js';
import { runDsm } from '../harness/cli.js';
import { findFreePortBlock } from '../../services/nats/ports.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const SUMMARIES = 30;

describe('metrics agents, one per NATS node (the AWS layout)', () => {
  let tc: TestCluster;
  const agents: AgentRuntime[] = [];
  const points: Array<{ agent: number; p: MetricPoint }> = [];

  beforeAll(async () => {
    tc = await startTestCluster();
    for (const node of [1, 2, 3]) {
      const rt = await startAgentRuntime(tc.config, { node, tlsDir: tc.tlsDir, intervalMs: 1000, cloudwatch: 'off' });
      rt.agent.onTick((_, ps) => ps.forEach((p) => points.push({ agent: node, p })));
      agents.push(rt);
    }
  });
  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    await tc?.stop();
  });

  it('connects each agent to its own node', () => {
    agents.forEach((rt, k) => expect(rt.nc!.getServer()).toBe(tc.clientUrls[k]!.replace(/^tls:\/\//, '')));
  });

  it('counts each service summary once across all agents (queue group), not once per agent', async () => {
    const ingest = await tc.connect('ingest', { servers: [tc.clientUrls[0]!] });
    const pub = new SummaryPublisher(ingest, tc.config, { service: 'ingest-test' });
    const from = points.length;
    for (let i = 0; i < SUMMARIES; i++) {
      pub.counters.count('NASDAQ', 'gaps', 1);
      pub.flush();
    }
    await ingest.flush();
    await sleep(2500); // two ticks of every agent
    await Promise.all(agents.map((a) => a.agent.tick()));
    const gaps = points.slice(from).filter(({ p }) => p.metric === 'gaps' && p.dimensions.Exchange === 'NASDAQ').reduce((n, { p }) => n + p.value, 0);
    expect(gaps).toBe(SUMMARIES);
  });

  it('emits each node\'s client rates from that node\'s agent, and no partial cluster figure', async () => {
    const pub = await tc.connect('ingest', { servers: [tc.clientUrls[0]!] });
    const sub = await tc.connect('subscriber', { servers: [tc.clientUrls[1]!] });
    sub.subscribe('NASDAQ.*.orderbook', { callback: () => undefined });
    await sub.flush();
    const load = publishAtRate(pub, 'NASDAQ.AAPL.orderbook', 500);
    const from = points.length;
    await sleep(3500);
    await load.stop();
    const seen = points.slice(from);
    for (const node of [1, 2, 3]) {
      const own = seen.filter(({ agent, p }) => agent === node && p.metric === 'nodeDeliveredRate');
      expect(own.length).toBeGreaterThan(0);
      expect(own.every(({ p }) => p.dimensions.Node === `nats-${node}`)).toBe(true);
    }
    // nats-2 delivers the subscriber's messages: its agent reports them, the others report ~0.
    const delivered = (node: number) => Math.max(...seen.filter(({ agent, p }) => agent === node && p.metric === 'nodeDeliveredRate').map(({ p }) => p.value));
    expect(delivered(2)).toBeGreaterThan(250);
    expect(delivered(3)).toBeLessThan(50);
    expect(seen.some(({ p }) => p.metric === 'clusterDeliveredRate' || p.metric === 'clusterPublishedRate')).toBe(false);
  });
});

describe('dsm metrics-agent --prometheus-host (what DSM_METRICS_ARGS passes on a NATS host)', () => {
  it('serves Prometheus on the given address, the one the NATS security group opens to monitoring', async () => {
    // 127.0.0.2 stands in for the node's private IP: any loopback address but the default.
    const port = await findFreePortBlock(1, '127.0.0.2');
    const r = await runDsm(['metrics-agent', '--env', 'local', '--cloudwatch', 'off', '--prometheus-host', '127.0.0.2', '--prometheus-port', String(port), '--interval', '1', '--duration', '1', '--tls-dir', '/nonexistent-dsm-tls'], { timeoutMs: 60_000 });
    // --tls-dir must exist: a usage error, exit 2, before anything listens.
    expect(r.code).toBe(2);
    const ok = await runDsm(['metrics-agent', '--env', 'local', '--dir', '/nonexistent-dsm-dir', '--cloudwatch', 'off', '--prometheus-host', '127.0.0.2', '--prometheus-port', String(port), '--interval', '1', '--duration', '1'], { timeoutMs: 60_000 });
    expect(ok.stdout).toContain(`prometheus metrics on http://127.0.0.2:${port}/metrics`);
    expect(ok.code, ok.stderr).toBe(0);
  }, 120_000);
});

