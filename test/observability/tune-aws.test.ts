/** `dsm tune` against AWS at the SDK boundary: exact calls, dry run by default, errors on one line. */
import { AutoScalingClient, DescribePoliciesCommand, PutScalingPolicyCommand, type ScalingPolicy } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { GetParameterCommand, ParameterNotFound, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { dsmInProcess } from './capture.js';

const asg = mockClient(AutoScalingClient);
const cw = mockClient(CloudWatchClient);
const ssm = mockClient(SSMClient);

/** The delivered-rate policy as the stacks create it: metric math over the DSM metric and the ASG size. */
const deliveredPolicy: ScalingPolicy = {
  AutoScalingGroupName: 'dsm-prod-subscribers',
  PolicyName: 'dsm-prod-delivered-rate',
  PolicyType: 'TargetTrackingScaling',
  EstimatedInstanceWarmup: 120,
  Enabled: true,
  TargetTrackingConfiguration: {
    TargetValue: 200_000,
    CustomizedMetricSpecification: {
      Metrics: [
        { Id: 'delivered', MetricStat: { Metric: { Namespace: 'DSM', MetricName: 'ClusterDeliveredMsgRate', Dimensions: [{ Name: 'Cluster', Value: 'dsm-prod' }] }, Stat: 'Average' }, ReturnData: false },
        { Id: 'inservice', MetricStat: { Metric: { Namespace: 'AWS/AutoScaling', MetricName: 'GroupInServiceInstances', Dimensions: [{ Name: 'AutoScalingGroupName', Value: 'dsm-prod-subscribers' }] }, Stat: 'Average' }, ReturnData: false },
        { Id: 'perinstance', Expression: 'delivered / inservice', ReturnData: true },
      ],
    },
  },
};
const cpuPolicy: ScalingPolicy = { PolicyName: 'dsm-prod-cpu', PolicyType: 'TargetTrackingScaling', TargetTrackingConfiguration: { TargetValue: 60, PredefinedMetricSpecification: { PredefinedMetricType: 'ASGAverageCPUUtilization' } } };

function metrics(values: Record<string, number>) {
  return { MetricDataResults: Object.entries(values).map(([Id, v]) => ({ Id, Values: [v], Timestamps: [new Date()] })) };
}

beforeEach(() => {
  asg.reset();
  cw.reset();
  ssm.reset();
  asg.on(DescribePoliciesCommand).resolves({ ScalingPolicies: [cpuPolicy, deliveredPolicy] });
  ssm.on(GetParameterCommand, { Name: '/dsm/prod/tune/client/batchMessages' }).resolves({ Parameter: { Name: '/dsm/prod/tune/client/batchMessages', Value: '64' } });
  ssm.on(GetParameterCommand, { Name: '/dsm/prod/tune/client/maxQueuedMessages' }).rejects(new ParameterNotFound({ message: 'not found', $metadata: {} }));
  // p99 900 µs is over prod's 500 µs SLO; 1.2M msg/s published by 4 workers; 3 instances receive 150k msg/s each.
  cw.on(GetMetricDataCommand).resolves(metrics({ delivered: 450_000, published: 1_200_000, p99: 900, subslow: 0, inservice: 3, slow: 0 }));
});

describe('dsm tune on AWS', () => {
  it('is a dry run by default: reads, decides, prints the calls, changes nothing', async () => {
    const r = await dsmInProcess('tune', '--env', 'prod', '--once');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(asg.commandCalls(DescribePoliciesCommand).map((c) => c.args[0].input)).toEqual([{ AutoScalingGroupName: 'dsm-prod-subscribers', PolicyTypes: ['TargetTrackingScaling'] }]);
    expect(ssm.commandCalls(GetParameterCommand).map((c) => c.args[0].input.Name)).toEqual(['/dsm/prod/tune/client/batchMessages', '/dsm/prod/tune/client/maxQueuedMessages']);
    const q = cw.commandCalls(GetMetricDataCommand)[0]!.args[0].input;
    expect(q.MetricDataQueries!.map((m) => m.Id)).toEqual(['delivered_1', 'delivered_2', 'delivered_3', 'delivered', 'published_1', 'published_2', 'published_3', 'published', 'p99', 'subslow', 'inservice', 'slow']);
    // Cluster rates are summed from the per-node metrics each NATS host's agent emits.
    const byId = (id: string) => q.MetricDataQueries!.find((m) => m.Id === id)!;
    expect(byId('delivered')).toEqual({ Id: 'delivered', Expression: 'SUM([delivered_1, delivered_2, delivered_3])', Period: 60, ReturnData: true });
    expect(byId('delivered_2')).toEqual({ Id: 'delivered_2', MetricStat: { Metric: { Namespace: 'DSM', MetricName: 'NodeDeliveredMsgRate', Dimensions: [{ Name: 'Cluster', Value: 'dsm-prod' }, { Name: 'Node', Value: 'nats-2' }] }, Period: 60, Stat: 'Average' }, ReturnData: false });
    expect(byId('published').Expression).toBe('SUM([published_1, published_2, published_3])');
    expect(byId('p99').MetricStat).toEqual({ Metric: { Namespace: 'DSM', MetricName: 'LatencyP99', Dimensions: [{ Name: 'Cluster', Value: 'dsm-prod' }, { Name: 'Hop', Value: 'end_to_end' }] }, Period: 60, Stat: 'Maximum' });
    expect(asg.commandCalls(PutScalingPolicyCommand)).toHaveLength(0);
    expect(ssm.commandCalls(PutParameterCommand)).toHaveLength(0);
    expect(r.stdout).toContain('(dry run: pass --apply to make changes)');
    expect(r.stdout).toMatch(/scalingTarget: would change 200000 -> 160000 \(end-to-end p99 900 µs over the 500 µs SLO; wants 160000\)/);
    expect(r.stdout).toContain('would call PutScalingPolicy {"AutoScalingGroupName":"dsm-prod-subscribers","PolicyName":"dsm-prod-delivered-rate"');
    // 300k msg/s per worker x 200 µs = 60 per flush window: within the dead band of 64.
    expect(r.stdout).toMatch(/batchMessages: hold 64 \(busiest publisher at 300000 msg\/s fills 60\.0 msgs per 200 µs flush window/);
    // 150k msg/s per instance x 1 s burst wants 150000; +20% from the config's 50000.
    expect(r.stdout).toMatch(/maxQueuedMessages: would change 50000 -> 60000/);
  });

  it('--apply replaces only the target of the delivered-rate policy and writes SSM parameters', async () => {
    asg.on(PutScalingPolicyCommand).resolves({});
    ssm.on(PutParameterCommand).resolves({ Version: 2 });
    const r = await dsmInProcess('tune', '--env', 'prod', '--once', '--apply');
    expect(r.code).toBe(0);
    expect(asg.commandCalls(PutScalingPolicyCommand).map((c) => c.args[0].input)).toEqual([{
      AutoScalingGroupName: 'dsm-prod-subscribers',
      PolicyName: 'dsm-prod-delivered-rate',
      PolicyType: 'TargetTrackingScaling',
      EstimatedInstanceWarmup: 120,
      Enabled: true,
      TargetTrackingConfiguration: { ...deliveredPolicy.TargetTrackingConfiguration, TargetValue: 160_000 },
    }]);
    const puts = ssm.commandCalls(PutParameterCommand).map((c) => c.args[0].input);
    expect(puts).toHaveLength(1);
    expect(puts[0]).toMatchObject({ Name: '/dsm/prod/tune/client/maxQueuedMessages', Value: '60000', Type: 'String', Overwrite: true });
    expect(puts[0]!.Description).toMatch(/^set by dsm tune: busiest subscriber at 150000 msg\/s/);
    expect(r.stdout).toMatch(/scalingTarget: changed 200000 -> 160000/);
  });

  it('holds when there is no data yet', async () => {
    cw.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
    const r = await dsmInProcess('tune', '--env', 'prod', '--once', '--apply');
    expect(r.code).toBe(0);
    expect(asg.commandCalls(PutScalingPolicyCommand)).toHaveLength(0);
    expect(ssm.commandCalls(PutParameterCommand)).toHaveLength(0);
  });

  it('reports AWS errors and a missing policy on one line with exit 1', async () => {
    asg.on(DescribePoliciesCommand).rejects(Object.assign(new Error('User is not authorized to perform: autoscaling:DescribePolicies'), { name: 'AccessDenied' }));
    let r = await dsmInProcess('tune', '--env', 'prod', '--once');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('dsm: DescribePolicies for dsm-prod-subscribers failed: AccessDenied: User is not authorized to perform: autoscaling:DescribePolicies\n');

    asg.on(DescribePoliciesCommand).resolves({ ScalingPolicies: [cpuPolicy] });
    r = await dsmInProcess('tune', '--env', 'prod', '--once');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('dsm: no target-tracking policy on dsm-prod-subscribers tracks ClusterDeliveredMsgRate\n');

    asg.on(DescribePoliciesCommand).resolves({ ScalingPolicies: [deliveredPolicy] });
    asg.on(PutScalingPolicyCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }));
    ssm.on(PutParameterCommand).resolves({});
    r = await dsmInProcess('tune', '--env', 'prod', '--once', '--apply');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('dsm: PutScalingPolicy dsm-prod-delivered-rate failed: Throttling: Rate exceeded\n');
  });

  it('rejects contradictory flags as a usage error', async () => {
    const r = await dsmInProcess('tune', '--env', 'prod', '--apply', '--dry-run');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('dsm: --apply and --dry-run contradict each other\n');
  });
});
