/**
 * The agent as `dsm metrics-agent` wires it, on a live cluster: Prometheus on loopback and the
 * CloudWatch batcher (SDK mocked at the boundary) receive the same catalog metrics.
 */
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { METRIC_NAMES } from '../../config/metrics.js';
import { startAgentRuntime, type AgentRuntime } from '../../services/metrics/runtime.js';
import { startTestCluster, type TestCluster } from '../harness/cluster.js';

const cw = mockClient(CloudWatchClient);

describe('metrics agent runtime', () => {
  let tc: TestCluster;
  let rt: AgentRuntime | undefined;
  beforeAll(async () => { tc = await startTestCluster(); });
  afterAll(async () => {
    await rt?.stop();
    await tc?.stop();
  });

  it('feeds Prometheus and CloudWatch from the same scrape', async () => {
    cw.on(PutMetricDataCommand).resolves({});
    rt = await startAgentRuntime(tc.config, { tlsDir: tc.tlsDir, intervalMs: 400, cloudwatch: 'on', region: 'eu-west-1', prometheusPort: 0 });
    expect(rt.nc).toBeDefined();
    expect(rt.prometheusUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    await rt.agent.tick();
    await rt.emitter!.flush();

    const sent = cw.commandCalls(PutMetricDataCommand).flatMap((c) => c.args[0].input.MetricData!);
    expect(cw.commandCalls(PutMetricDataCommand)[0]!.args[0].input.Namespace).toBe('DSM');
    for (const d of sent) expect(METRIC_NAMES.has(d.MetricName!)).toBe(true);
    const routes = sent.filter((d) => d.MetricName === 'NatsRoutes');
    expect(routes.map((d) => d.Dimensions)).toEqual(expect.arrayContaining([[{ Name: 'Cluster', Value: tc.config.nats.clusterName }, { Name: 'Node', Value: 'nats-1' }]]));
    expect(routes.every((d) => d.Value === 2 && d.StorageResolution === tc.config.metrics.storageResolution)).toBe(true);
    expect(sent.some((d) => d.MetricName === 'ClusterDeliveredMsgRate')).toBe(true);
    expect(rt.emitter!.stats).toMatchObject({ dropped: 0, rejected: 0 });

    const text = await (await fetch(rt.prometheusUrl!)).text();
    expect(text).toContain(`dsm_nats_routes{cluster="${tc.config.nats.clusterName}",node="nats-3"} 2`);
    expect(text).toMatch(new RegExp(`dsm_cluster_delivered_msg_rate\\{cluster="${tc.config.nats.clusterName}"\\} \\d`));
  });

  it('publishes its own summary like every service', async () => {
    const ops = await tc.connect('ops');
    const sub = ops.subscribe('_DSM.metrics.*.*.metrics-agent-all', { max: 1 });
    await ops.flush();
    let got: { service: string; agent?: { ticks: number; nodesScraped: number; scrapeErrors: number } } | undefined;
    for await (const m of sub) got = JSON.parse(m.string());
    expect(got?.service).toBe('metrics-agent-all');
    expect(got?.agent?.nodesScraped).toBe(3);
    expect(got?.agent?.ticks).toBeGreaterThan(0);
    expect(got?.agent?.scrapeErrors).toBe(0);
  }, 20_000);
});
