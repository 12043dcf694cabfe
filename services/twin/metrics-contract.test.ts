import { checkMetricContract, emittedMetrics, metricKey, referencedMetrics } from './metrics-contract.js';

const stack = {
  resource: {
    aws_cloudwatch_metric_alarm: {
      routes: { namespace: 'DSM', metric_name: 'NatsRoutes', dimensions: { Node: 'nats-1', Cluster: 'c' } },
      recover: { namespace: 'AWS/EC2', metric_name: 'StatusCheckFailed_System', dimensions: { InstanceId: '${aws_instance.x.id}' } },
      math: { metric_query: [{ id: 'a', metric: { namespace: 'DSM', metric_name: 'Gaps', dimensions: { Cluster: 'c' } } }, { id: 'e', expression: 'a * 2' }] },
    },
    aws_autoscaling_policy: {
      tt: { target_tracking_configuration: { customized_metric_specification: { metrics: [
        { id: 'delivered', metric_stat: { metric: { namespace: 'DSM', metric_name: 'ClusterDeliveredMsgRate', dimensions: [{ name: 'Cluster', value: 'c' }] }, stat: 'Average' } },
        { id: 'inservice', metric_stat: { metric: { namespace: 'AWS/AutoScaling', metric_name: 'GroupInServiceInstances', dimensions: [{ name: 'AutoScalingGroupName', value: 'g' }] } } },
        { id: 'per', expression: 'delivered / inservice' },
      ] } } },
      cpu: { target_tracking_configuration: { predefined_metric_specification: { predefined_metric_type: 'ASGAverageCPUUtilization' } } },
    },
    aws_cloudwatch_dashboard: {
      d: { dashboard_body: JSON.stringify({ widgets: [
        { type: 'metric', properties: { title: 'In', metrics: [['DSM', 'NatsMsgsInRate', 'Cluster', 'c', 'Node', 'nats-1', { label: 'n1' }], ['.', '.', '.', '.', '.', 'nats-2']] } },
        { type: 'metric', properties: { title: 'Search', metrics: [[{ expression: "SEARCH('{DSM,Cluster,Exchange} MetricName=\"Resyncs\"', 'Sum', 60)" }], [{ expression: 'SEARCH(\'Namespace="DSM" latency\', \'Max\')' }]] } },
        { type: 'text', properties: { markdown: 'x' } },
      ] }) },
    },
  },
};

describe('metric contract', () => {
  it('collects alarms, metric queries, scaling-policy metric math and dashboard rows (with "." shorthand)', () => {
    const refs = referencedMetrics(stack);
    expect(refs.metrics.map(metricKey)).toEqual([
      'AWS/AutoScaling/GroupInServiceInstances{AutoScalingGroupName=g}',
      'AWS/EC2/StatusCheckFailed_System{InstanceId=${aws_instance.x.id}}',
      'DSM/ClusterDeliveredMsgRate{Cluster=c}',
      'DSM/Gaps{Cluster=c}',
      'DSM/NatsMsgsInRate{Cluster=c,Node=nats-1}',
      'DSM/NatsMsgsInRate{Cluster=c,Node=nats-2}',
      'DSM/NatsRoutes{Cluster=c,Node=nats-1}',
      'DSM/Resyncs{}',
    ]);
    expect(refs.unresolved).toEqual([expect.objectContaining({ why: 'SEARCH without a literal namespace and MetricName' })]);
  });

  it('lists each referenced metric of our namespace that was never emitted, dimensions included', () => {
    const emitted = emittedMetrics([
      { Namespace: 'DSM', MetricData: [{ MetricName: 'NatsRoutes', Dimensions: [{ Name: 'Cluster', Value: 'c' }, { Name: 'Node', Value: 'nats-1' }] }] },
      // Right name, wrong dimensions: still missing for Node=nats-2.
      { Namespace: 'DSM', MetricData: [{ MetricName: 'NatsMsgsInRate', Dimensions: [{ Name: 'Node', Value: 'nats-1' }, { Name: 'Cluster', Value: 'c' }] }, { MetricName: 'Gaps', Dimensions: [{ Name: 'Cluster', Value: 'c' }] }] },
      { Namespace: 'DSM', MetricData: [{ MetricName: 'Resyncs', Dimensions: [{ Name: 'Cluster', Value: 'c' }, { Name: 'Exchange', Value: 'NYSE' }] }] },
    ]);
    const c = checkMetricContract(referencedMetrics(stack), emitted, 'DSM', ['ClusterDeliveredMsgRate']);
    expect(c.missing).toEqual([
      { metric: 'DSM/ClusterDeliveredMsgRate{Cluster=c}', readers: ['aws_autoscaling_policy.tt'], allowed: true },
      { metric: 'DSM/NatsMsgsInRate{Cluster=c,Node=nats-2}', readers: ['aws_cloudwatch_dashboard.d "In"'], allowed: false },
    ]);
    expect(c.providedByAws).toHaveLength(2);
    expect(c.referenced).toHaveLength(6);
  });

  it('a dashboard body that is not JSON is reported, not skipped', () => {
    const refs = referencedMetrics({ resource: { aws_cloudwatch_dashboard: { x: { dashboard_body: '${jsonencode(local.d)}' } } } });
    expect(refs.unresolved[0]!.why).toMatch(/not JSON/);
  });
});
