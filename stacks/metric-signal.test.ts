/**
 * Every DSM metric the synthesized stack's alarms and dashboards read, and every one `dsm tune`
 * queries, is one that the per-node metrics agents (the AWS layout: each NATS host scrapes its own
 * node) actually emit. A cluster-only metric would stay INSUFFICIENT_DATA / empty on AWS. The
 * subscriber scaling policy's metric is issue 12's redesign and is listed apart until it lands.
 */
import { prodConfig } from '../config/prod.js';
import { METRICS, type MetricKey } from '../config/metrics.js';
import { validateConfig } from '../config/load.js';
import { CloudWatchObservationSource } from '../services/tune/aws.js';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { synthPlatform } from './test-configs.js';
import { resourcesOf, type Json } from './test-support.js';

/** Emitted only by an agent that scrapes every node (services/metrics/agent.ts, coversCluster). */
const CLUSTER_ONLY: ReadonlySet<MetricKey> = new Set(['clusterDeliveredRate', 'clusterPublishedRate']);
const perNodeAgentEmits = new Set(Object.entries(METRICS).filter(([k]) => !CLUSTER_ONLY.has(k as MetricKey)).map(([, m]) => m.name));

function dashboardMetricNames(json: Json, namespace: string): string[] {
  return resourcesOf(json, 'aws_cloudwatch_dashboard').flatMap(([, d]) => (JSON.parse(d.dashboard_body).widgets as Json[])
    .filter((w) => w.type === 'metric')
    .flatMap((w) => (w.properties.metrics as Json[][]).filter((m) => m[0] === namespace).map((m) => m[1] as string)));
}

describe('metrics the platform reads are emitted on AWS', () => {
  const { json } = synthPlatform(prodConfig).out;
  const ns = prodConfig.metrics?.namespace ?? 'DSM';

  it('alarms read only per-node-agent metrics', () => {
    const names = resourcesOf(json, 'aws_cloudwatch_metric_alarm').filter(([, a]) => a.namespace === ns).map(([, a]) => a.metric_name as string);
    expect(names.length).toBeGreaterThan(0);
    expect(names.filter((n) => !perNodeAgentEmits.has(n))).toEqual([]);
  });

  it('dashboards read only per-node-agent metrics', () => {
    const names = dashboardMetricNames(json, ns);
    expect(names).toContain(METRICS.nodeDeliveredRate.name);
    expect(names.filter((n) => !perNodeAgentEmits.has(n))).toEqual([]);
  });

  it('dsm tune queries only per-node-agent metrics', () => {
    const source = new CloudWatchObservationSource(new CloudWatchClient({ region: 'us-east-1' }), validateConfig(prodConfig, 'prod'), 'dsm-prod-subscribers');
    const names = source.queries().flatMap((q) => (q.MetricStat?.Metric?.Namespace === ns ? [q.MetricStat.Metric.MetricName!] : []));
    expect(names).toContain(METRICS.nodeDeliveredRate.name);
    expect(names.filter((n) => !perNodeAgentEmits.has(n))).toEqual([]);
  });

  it('names the subscriber scaling metric apart: cluster-only until issue 12 redesigns it', () => {
    const policies = resourcesOf(json, 'aws_autoscaling_policy').flatMap(([, p]) => p.target_tracking_configuration?.customized_metric_specification?.metrics ?? []);
    const names = policies.flatMap((m: Json) => (m.metric_stat?.metric?.namespace === ns ? [m.metric_stat.metric.metric_name] : []));
    expect(names.filter((n: string) => !perNodeAgentEmits.has(n))).toEqual(names.includes(METRICS.clusterDeliveredRate.name) ? [METRICS.clusterDeliveredRate.name] : []);
  });
});
