import { Monitoring, type MonitoringProps } from './monitoring.js';
import { CloudwatchDashboard, CloudwatchMetricAlarm, SnsTopicSubscription } from './aws.js';
import { METRIC_NAMES } from '../config/metrics.js';
import { resourcesOf, synthScope, type Json, type Synthesized } from './test-support.js';

const props: MonitoringProps = {
  name: 'dsm-prod', partition: 'aws', accountId: '111122223333', clusterName: 'dsm-prod', namespace: 'DSM', nodeNames: ['nats-1', 'nats-2', 'nats-3'],
  minRoutesPerNode: 2, slowConsumersPerMinute: 0, e2eP99Micros: 500, asgName: 'dsm-prod-subscribers', asgMax: 12,
  liveBookExchanges: ['BINANCE', 'KRAKEN'], feedStaleMinutes: 3,
  logRetentionDays: 90, logGroupNames: ['/dsm/prod/nats-server', '/dsm/prod/ingest'], alarmEmail: 'oncall@example.com',
};
const dashboards = [{ name: 'dsm-prod-overview', body: { widgets: [{ type: 'text', properties: { markdown: 'hi' } }] } }];

describe('Monitoring', () => {
  let out: Synthesized;
  let alarms: Json[];
  beforeAll(() => {
    out = synthScope((s) => new Monitoring(s, 'mon', props).addDashboards(dashboards));
    alarms = resourcesOf(out.json, 'aws_cloudwatch_metric_alarm').map(([, p]) => p);
  });
  const alarm = (name: string) => alarms.find((a) => a.alarm_name === name);

  it('alarms per node when routes drop below nodes-1, treating silence as breaching', () => {
    expect(alarm('dsm-prod-nats-2-routes-below-expected')).toMatchObject({
      namespace: 'DSM', metric_name: 'NatsRoutes', dimensions: { Cluster: 'dsm-prod', Node: 'nats-2' },
      threshold: 2, comparison_operator: 'LessThanThreshold', statistic: 'Minimum', treat_missing_data: 'breaching',
    });
  });

  it('alarms on slow consumers, end-to-end p99 and the ASG at max', () => {
    expect(alarm('dsm-prod-nats-1-slow-consumers')).toMatchObject({ metric_name: 'NatsSlowConsumers', statistic: 'Sum', threshold: 0, comparison_operator: 'GreaterThanThreshold' });
    expect(out.text).toHaveResourceWithProperties(CloudwatchMetricAlarm, {
      alarm_name: 'dsm-prod-e2e-p99-over-threshold', metric_name: 'LatencyP99', dimensions: { Cluster: 'dsm-prod', Hop: 'end_to_end' }, threshold: 500, comparison_operator: 'GreaterThanThreshold',
    });
    expect(alarm('dsm-prod-subscribers-at-max')).toMatchObject({
      namespace: 'AWS/AutoScaling', metric_name: 'GroupInServiceInstances', dimensions: { AutoScalingGroupName: 'dsm-prod-subscribers' }, threshold: 12, comparison_operator: 'GreaterThanOrEqualToThreshold',
    });
    expect(alarms).toHaveLength(3 * 2 + 2 + 2);
  });

  it('alarms per live exchange when books stay stale without pause for feedStaleMinutes', () => {
    for (const ex of ['BINANCE', 'KRAKEN']) {
      expect(alarm(`dsm-prod-${ex}-symbols-stale`)).toMatchObject({
        namespace: 'DSM', metric_name: 'FeedSymbolsStale', dimensions: { Cluster: 'dsm-prod', Exchange: ex },
        statistic: 'Minimum', period: 60, evaluation_periods: 3, datapoints_to_alarm: 3, threshold: 0, comparison_operator: 'GreaterThanThreshold', treat_missing_data: 'notBreaching',
      });
    }
  });

  it('names only catalog metrics in the DSM namespace, and notifies the topic', () => {
    for (const a of alarms.filter((x) => x.namespace === 'DSM')) expect(METRIC_NAMES.has(a.metric_name)).toBe(true);
    const topic = /^\$\{aws_sns_topic\.mon_alarms_[A-F0-9]+\.arn\}$/;
    for (const a of alarms) {
      expect(a.alarm_actions).toHaveLength(1);
      expect(a.alarm_actions[0]).toMatch(topic);
      expect(a.ok_actions).toEqual(a.alarm_actions);
    }
    expect(out.text).toHaveResourceWithProperties(SnsTopicSubscription, { protocol: 'email', endpoint: 'oncall@example.com' });
  });

  it('encrypts the alarm topic with its own key, which CloudWatch may use to publish', () => {
    const topic = resourcesOf(out.json, 'aws_sns_topic')[0]![1];
    expect(topic.kms_master_key_id).toMatch(/^\$\{aws_kms_key\.mon_alarms-key_[A-F0-9]+\.arn\}$/);
    const key = resourcesOf(out.json, 'aws_kms_key')[0]![1];
    expect(key.enable_key_rotation).toBe(true);
    const cw = JSON.parse(key.policy).Statement.find((st: Json) => st.Sid === 'CloudWatchPublishesAlarms');
    expect(cw).toMatchObject({ Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'], Condition: { StringEquals: { 'aws:SourceAccount': '111122223333' } } });
  });

  it('deploys the rendered dashboards and keeps logs for the configured days', () => {
    expect(out.text).toHaveResourceWithProperties(CloudwatchDashboard, { dashboard_name: 'dsm-prod-overview', dashboard_body: JSON.stringify(dashboards[0]!.body) });
    const logs = resourcesOf(out.json, 'aws_cloudwatch_log_group').map(([, p]) => [p.name, p.retention_in_days]);
    expect(logs.sort()).toEqual([['/dsm/prod/ingest', 90], ['/dsm/prod/nats-server', 90]]);
  });

  it('skips the e-mail subscription when none is configured', () => {
    const { alarmEmail: _, ...noEmail } = props;
    const bare = synthScope((s) => new Monitoring(s, 'mon', noEmail));
    expect(bare.json.resource.aws_sns_topic_subscription).toBeUndefined();
  });
});
