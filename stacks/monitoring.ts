/**
 * What operators watch: an SNS alarm topic, the alarms that mean "act now" (a node lost routes,
 * the cluster cut a slow consumer, end-to-end p99 over its threshold, the subscriber group pinned
 * at max, a live exchange with a book stale for minutes), the dashboards rendered from
 * `dashboards/`, and the service log groups with retention.
 * Alarm metric names come from the catalog in config/metrics.ts only.
 */
import { Construct } from './cdktf.js';
import { CloudwatchDashboard, CloudwatchLogGroup, CloudwatchMetricAlarm, KmsAlias, KmsKey, SnsTopic, SnsTopicSubscription } from './aws.js';
import { METRICS } from '../config/metrics.js';

export interface MonitoringProps {
  name: string;
  partition: string;
  accountId: string;
  clusterName: string;
  /** CloudWatch namespace of the DSM metrics. */
  namespace: string;
  nodeNames: readonly string[];
  minRoutesPerNode: number;
  slowConsumersPerMinute: number;
  e2eP99Micros: number;
  asgName: string;
  asgMax: number;
  /** Exchanges whose live feed recovers books per symbol (config/live-feeds.ts). */
  liveBookExchanges: readonly string[];
  /** Minutes of books stale without pause before an exchange's alarm fires. */
  feedStaleMinutes: number;
  logRetentionDays: number;
  /** Log group names, e.g. /dsm/prod/nats-server. */
  logGroupNames: readonly string[];
  alarmEmail?: string;
}

export interface RenderedDashboard {
  name: string;
  body: object;
}

const MINUTE = 60;

export class Monitoring extends Construct {
  readonly topic: SnsTopic;
  readonly topicKey: KmsKey;
  readonly dashboardNames: string[] = [];

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    // Encrypted at rest with a key of our own: CloudWatch alarms cannot publish to a topic under the
    // AWS-managed alias/aws/sns key (its policy cannot be changed to admit cloudwatch.amazonaws.com).
    this.topicKey = new KmsKey(this, 'alarms-key', {
      description: `${props.name} alarm topic`, enableKeyRotation: true, deletionWindowInDays: 30,
      policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Sid: 'AccountAdministersKey', Effect: 'Allow', Principal: { AWS: `arn:${props.partition}:iam::${props.accountId}:root` }, Action: 'kms:*', Resource: '*' },
          {
            Sid: 'CloudWatchPublishesAlarms', Effect: 'Allow', Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'], Resource: '*',
            Condition: { StringEquals: { 'aws:SourceAccount': props.accountId } },
          },
        ],
      }),
    });
    new KmsAlias(this, 'alarms-key-alias', { name: `alias/${props.name}-alarms`, targetKeyId: this.topicKey.keyId });
    this.topic = new SnsTopic(this, 'alarms', { name: `${props.name}-alarms`, kmsMasterKeyId: this.topicKey.arn });
    if (props.alarmEmail) new SnsTopicSubscription(this, 'alarm-email', { topicArn: this.topic.arn, protocol: 'email', endpoint: props.alarmEmail });
    const actions = { alarmActions: [this.topic.arn], okActions: [this.topic.arn] };
    const cluster = { Cluster: props.clusterName };

    for (const node of props.nodeNames) {
      new CloudwatchMetricAlarm(this, `${node}-routes`, {
        alarmName: `${props.name}-${node}-routes-below-expected`,
        alarmDescription: `${node} reports fewer than ${props.minRoutesPerNode} routes: the cluster is partitioned or a peer is down`,
        namespace: props.namespace, metricName: METRICS.natsRoutes.name, dimensions: { ...cluster, Node: node },
        statistic: 'Minimum', period: MINUTE, evaluationPeriods: 2, threshold: props.minRoutesPerNode,
        comparisonOperator: 'LessThanThreshold',
        // No data means the node (or its agent) is gone: that is the alarm, not an unknown.
        treatMissingData: 'breaching',
        ...actions,
      });
      new CloudwatchMetricAlarm(this, `${node}-slow-consumers`, {
        alarmName: `${props.name}-${node}-slow-consumers`,
        alarmDescription: `${node} cut off more than ${props.slowConsumersPerMinute} slow consumers in a minute`,
        namespace: props.namespace, metricName: METRICS.natsSlowConsumers.name, dimensions: { ...cluster, Node: node },
        statistic: 'Sum', period: MINUTE, evaluationPeriods: 1, threshold: props.slowConsumersPerMinute,
        comparisonOperator: 'GreaterThanThreshold', treatMissingData: 'notBreaching',
        ...actions,
      });
    }
    new CloudwatchMetricAlarm(this, 'e2e-p99', {
      alarmName: `${props.name}-e2e-p99-over-threshold`,
      alarmDescription: `End-to-end p99 latency above ${props.e2eP99Micros} µs for 3 minutes`,
      namespace: props.namespace, metricName: METRICS.latencyP99.name, dimensions: { ...cluster, Hop: 'end_to_end' },
      statistic: 'Maximum', period: MINUTE, evaluationPeriods: 3, datapointsToAlarm: 3, threshold: props.e2eP99Micros,
      comparisonOperator: 'GreaterThanThreshold', treatMissingData: 'missing',
      ...actions,
    });
    for (const exchange of props.liveBookExchanges) {
      // Minimum over each minute: a book recovered within the minute leaves a zero sample and does
      // not count; only symbols stale without pause (recovery failing, the venue refusing) do.
      new CloudwatchMetricAlarm(this, `${exchange.toLowerCase()}-symbols-stale`, {
        alarmName: `${props.name}-${exchange}-symbols-stale`,
        alarmDescription: `${exchange}: live books stale without pause for ${props.feedStaleMinutes} minutes (recovery is not bringing them back; the ingest's progress log lists them under "stale" and "symbols")`,
        namespace: props.namespace, metricName: METRICS.feedSymbolsStale.name, dimensions: { ...cluster, Exchange: exchange },
        statistic: 'Minimum', period: MINUTE, evaluationPeriods: props.feedStaleMinutes, datapointsToAlarm: props.feedStaleMinutes, threshold: 0,
        comparisonOperator: 'GreaterThanThreshold', treatMissingData: 'notBreaching',
        ...actions,
      });
    }
    new CloudwatchMetricAlarm(this, 'asg-at-max', {
      alarmName: `${props.name}-subscribers-at-max`,
      alarmDescription: `Subscriber group at its maximum (${props.asgMax}) for 5 minutes: raise autoscaling.max or the per-instance target`,
      namespace: 'AWS/AutoScaling', metricName: 'GroupInServiceInstances', dimensions: { AutoScalingGroupName: props.asgName },
      statistic: 'Minimum', period: MINUTE, evaluationPeriods: 5, threshold: props.asgMax,
      comparisonOperator: 'GreaterThanOrEqualToThreshold', treatMissingData: 'notBreaching',
      ...actions,
    });

    for (const name of props.logGroupNames) {
      new CloudwatchLogGroup(this, `log-${name.split('/').pop()}`, { name, retentionInDays: props.logRetentionDays });
    }
  }

  /**
   * Dashboards come last: their widgets name instances and the ASG, which exist only after the
   * tiers are built (and the tiers need this construct's alarm topic first).
   */
  addDashboards(dashboards: readonly RenderedDashboard[]): void {
    for (const d of dashboards) {
      new CloudwatchDashboard(this, `dashboard-${d.name}`, { dashboardName: d.name, dashboardBody: JSON.stringify(d.body) });
      this.dashboardNames.push(d.name);
    }
  }
}
