/**
 * The contract between the subscriber group's members, the metrics agent and the subscriber
 * ASG's scaling policy: a member's summary (built by the same code `dsm subscribe --group` runs)
 * goes through the agent into a PutMetricData call (at the SDK boundary), and the datum it
 * carries has exactly the namespace, name and dimensions the synthesized prod stack's
 * target-tracking policy reads. The per-member figure halves when the group doubles.
 */
import { CloudWatchClient, PutMetricDataCommand, type MetricDatum } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import type { NatsConnection } from 'nats';
import { validateConfig } from '../../config/load.js';
import { prodConfig } from '../../config/prod.js';
import { MetricsAgent } from '../../services/metrics/agent.js';
import { CloudWatchEmitter } from '../../services/metrics/cloudwatch.js';
import type { GroupStatus } from '../../services/metrics/latency.js';
import { subscriberSummaries } from '../../services/subscriber/summary.js';
import { Subscriber } from '../../services/subscriber/subscriber.js';
import { synthPlatform } from '../../stacks/test-configs.js';
import { resourcesOf } from '../../stacks/test-support.js';

const cfg = validateConfig(prodConfig, 'prod');
const cw = mockClient(CloudWatchClient);

/** The metric the synthesized subscriber policy tracks, as CloudWatch names it. */
function policyMetric(): { namespace: string; metricName: string; dimensions: Array<{ name: string; value: string }>; stat: string } {
  const { out } = synthPlatform(prodConfig);
  const policy = resourcesOf(out.json, 'aws_autoscaling_policy').map(([, p]) => p).find((p) => p.name.endsWith('-group-msgs-per-member'));
  const [m] = policy.target_tracking_configuration.customized_metric_specification.metrics;
  return { namespace: m.metric_stat.metric.namespace, metricName: m.metric_stat.metric.metric_name, dimensions: m.metric_stat.metric.dimensions, stat: m.metric_stat.stat };
}

/** One member's summary as `dsm subscribe --group` publishes it, having processed `processed` messages in 1 s. */
function memberSummary(member: string, processed: number, members: number): string {
  const published: string[] = [];
  const nc = { publish: (_s: string, data: string) => published.push(data) } as unknown as NatsConnection;
  const sub = new Subscriber({ config: cfg, tlsDir: '/nonexistent', subjects: [] });
  let t = 0;
  const group = (): GroupStatus => ({ name: cfg.groups.hostGroup, member, members, owned: 10, live: 10, handingOver: 0, universe: 10 * members });
  const p = subscriberSummaries(sub, nc, cfg, { service: `subscriber-${member}`, identity: 'subscriber', group, now: () => t });
  // The interval: processed messages at 2 µs each, over 1 s.
  sub.counters.processed += processed;
  sub.counters.busyNs += processed * 2000;
  t = 1000;
  p.flush();
  return published[0]!;
}

async function emitted(summaries: string[]): Promise<MetricDatum[]> {
  cw.reset();
  cw.on(PutMetricDataCommand).resolves({});
  const emitter = new CloudWatchEmitter(new CloudWatchClient({ region: 'us-east-1' }), { namespace: cfg.metrics.namespace, storageResolution: cfg.metrics.storageResolution });
  const agent = new MetricsAgent(cfg, { nodes: [], sinks: [{ write: (pts) => emitter.enqueue(pts) }] });
  for (const s of summaries) agent.acceptSummary(s);
  await agent.tick();
  await emitter.flush();
  return cw.commandCalls(PutMetricDataCommand).flatMap((c) => {
    expect(c.args[0].input.Namespace).toBe(cfg.metrics.namespace);
    return c.args[0].input.MetricData ?? [];
  });
}

describe('group scaling metric: member summary -> agent -> PutMetricData == what the policy reads', () => {
  it('emits the policy\'s exact metric identity, and the value halves when the group doubles', async () => {
    const policy = policyMetric();
    expect(policy).toEqual({ namespace: 'DSM', metricName: 'GroupMemberProcessedRate', dimensions: [{ name: 'Cluster', value: cfg.nats.clusterName }, { name: 'Group', value: 'subscribers' }], stat: 'Average' });
    const identity = (d: MetricDatum) => d.MetricName === policy.metricName && JSON.stringify(d.Dimensions) === JSON.stringify(policy.dimensions.map((x) => ({ Name: x.name, Value: x.value })));

    // The same 40k msg/s of book updates, divided by 2 members, then by 4.
    const two = (await emitted([memberSummary('i-a', 20_000, 2), memberSummary('i-b', 20_000, 2)])).filter(identity);
    const four = (await emitted(['i-a', 'i-b', 'i-c', 'i-d'].map((m) => memberSummary(m, 10_000, 4)))).filter(identity);
    expect(two).toHaveLength(1);
    expect(four).toHaveLength(1);
    expect(two[0]!.Unit).toBe('Count/Second');
    expect(two[0]!.Value).toBeCloseTo(20_000, 0);
    expect(four[0]!.Value).toBeCloseTo(10_000, 0);
  });

  it('the agent emits the group figures beside it (total, members, queue, busy)', async () => {
    const data = await emitted([memberSummary('i-a', 20_000, 2), memberSummary('i-b', 30_000, 2)]);
    const byName = new Map(data.filter((d) => d.Dimensions?.some((x) => x.Name === 'Group')).map((d) => [d.MetricName!, d.Value!]));
    expect(Object.fromEntries(byName)).toEqual({
      GroupMemberProcessedRate: 25_000, GroupProcessedRate: 50_000, GroupMembers: 2, GroupMaxQueueDepth: 0, GroupMaxBusyPercent: 6, GroupProcessingMicros: 2,
    });
  });
});
