import { Subscribers, type SubscribersProps, DRAIN_TIMEOUT_SECONDS } from './subscribers.js';
import { AutoscalingGroup, AutoscalingLifecycleHook, AutoscalingPolicy } from './aws.js';
import { only, resourcesOf, synthScope, type Json, type Synthesized } from './test-support.js';

const props: SubscribersProps = {
  name: 'dsm-prod', asgName: 'dsm-prod-subscribers', env: 'prod', region: 'us-east-1', partition: 'aws', accountId: '111122223333', az: 'us-east-1a', subnetId: 'subnet-sub',
  instanceType: 'c7gn.large', imageId: 'resolve:ssm:/dsm/prod/ami-id', rootVolumeGb: 30, securityGroupIds: ['sg-sub'], placementGroupName: 'dsm-prod-cluster',
  identity: 'subscriber', tlsParameterArns: ['arn:aws:ssm:us-east-1:111122223333:parameter/dsm/prod/tls/clients/subscriber.key'], tlsKmsKeyArn: 'arn:aws:kms:us-east-1:111122223333:key/k',
  tunedSettingsArn: 'arn:aws:ssm:us-east-1:111122223333:parameter/dsm/prod/tune/client/*',
  deniedTlsParameterArns: ['arn:aws:ssm:us-east-1:111122223333:parameter/dsm/prod/tls/servers/nats-1.key'],
  logGroupArns: ['arn:aws:logs:us-east-1:111122223333:log-group:/dsm/prod/subscriber'],
  scaling: { min: 2, max: 12, desired: 2, targetMsgsPerInstance: 200_000, targetCpuPercent: 60, targetNetworkInBytesPerInstance: 200_000_000, warmupSeconds: 120 },
  metricsNamespace: 'DSM', clusterName: 'dsm-prod',
};

describe('Subscribers', () => {
  let out: Synthesized;
  let policies: Json[];
  beforeAll(() => {
    out = synthScope((s) => new Subscribers(s, 'subs', props));
    policies = resourcesOf(out.json, 'aws_autoscaling_policy').map(([, p]) => p);
  });

  it('hardens the launch template and pins it to the placement group and AZ', () => {
    const lt = only(out.json, 'aws_launch_template');
    expect(lt.image_id).toBe('resolve:ssm:/dsm/prod/ami-id');
    expect(lt.instance_type).toBe('c7gn.large');
    expect(lt.metadata_options.http_tokens).toBe('required');
    expect(lt.block_device_mappings).toEqual([{ device_name: '/dev/xvda', ebs: { volume_type: 'gp3', volume_size: 30, iops: 3000, throughput: 125, encrypted: 'true', delete_on_termination: 'true' } }]);
    expect(lt.placement).toEqual({ group_name: 'dsm-prod-cluster', availability_zone: 'us-east-1a' });
    const script = Buffer.from(lt.user_data, 'base64').toString('utf8');
    expect(script).toContain('DSM_LIFECYCLE_HOOK=dsm-prod-subscribers-drain');
    expect(script).toContain('systemctl enable --now dsm-subscriber dsm-drain-watch');
  });

  it('sizes the group from config and leaves desired capacity to the policies', () => {
    expect(out.text).toHaveResourceWithProperties(AutoscalingGroup, {
      name: 'dsm-prod-subscribers', min_size: 2, max_size: 12, desired_capacity: 2, vpc_zone_identifier: ['subnet-sub'],
      placement_group: 'dsm-prod-cluster', default_instance_warmup: 120,
    });
    const asg = only(out.json, 'aws_autoscaling_group');
    expect(asg.lifecycle).toEqual({ ignore_changes: ['desired_capacity'] });
    expect(asg.enabled_metrics).toContain('GroupInServiceInstances');
    // The template's concrete latest version: a new version changes the group, which starts the
    // instance refresh. `$Latest` never changes, so a refresh never started.
    expect(asg.launch_template).toEqual({ id: '${aws_launch_template.subs_template_0BCDB5E0.id}', version: '${aws_launch_template.subs_template_0BCDB5E0.latest_version}' });
    expect(asg.instance_refresh.strategy).toBe('Rolling');
    // Default provider tags do not reach ASG-launched instances; drills find them by these.
    expect(asg.tag).toEqual([{ key: 'dsm:env', value: 'prod', propagate_at_launch: true }, { key: 'dsm:role', value: 'subscriber', propagate_at_launch: true }]);
  });

  it('tracks delivered messages per in-service instance through metric math', () => {
    const msgs = policies.find((p) => p.name === 'dsm-prod-subscribers-delivered-msgs-per-instance');
    const tt = msgs.target_tracking_configuration;
    expect(tt.target_value).toBe(200_000);
    const [delivered, inservice, ratio] = tt.customized_metric_specification.metrics;
    expect(delivered.metric_stat.metric).toEqual({ namespace: 'DSM', metric_name: 'ClusterDeliveredMsgRate', dimensions: [{ name: 'Cluster', value: 'dsm-prod' }] });
    expect(inservice.metric_stat.metric).toEqual({ namespace: 'AWS/AutoScaling', metric_name: 'GroupInServiceInstances', dimensions: [{ name: 'AutoScalingGroupName', value: 'dsm-prod-subscribers' }] });
    expect(ratio).toEqual({ id: 'per_instance', expression: 'delivered / inservice', label: 'Delivered messages per second per subscriber', return_data: true });
    expect([delivered.return_data, inservice.return_data]).toEqual([false, false]);
    expect(msgs.estimated_instance_warmup).toBe(120);
  });

  it('also tracks CPU and network in', () => {
    expect(out.text).toHaveResourceWithProperties(AutoscalingPolicy, { policy_type: 'TargetTrackingScaling', target_tracking_configuration: { target_value: 60, predefined_metric_specification: { predefined_metric_type: 'ASGAverageCPUUtilization' } } });
    expect(out.text).toHaveResourceWithProperties(AutoscalingPolicy, { target_tracking_configuration: { target_value: 200_000_000, predefined_metric_specification: { predefined_metric_type: 'ASGAverageNetworkIn' } } });
    expect(policies).toHaveLength(3);
  });

  it('holds terminating instances for a drain, and lets them complete only their own hook', () => {
    expect(out.text).toHaveResourceWithProperties(AutoscalingLifecycleHook, {
      name: 'dsm-prod-subscribers-drain', lifecycle_transition: 'autoscaling:EC2_INSTANCE_TERMINATING', heartbeat_timeout: DRAIN_TIMEOUT_SECONDS, default_result: 'CONTINUE',
    });
    const doc = JSON.parse(only(out.json, 'aws_iam_role_policy').policy);
    expect(doc.Statement.find((st: Json) => st.Sid === 'CompleteOwnDrain')).toEqual({
      Sid: 'CompleteOwnDrain', Effect: 'Allow', Action: ['autoscaling:CompleteLifecycleAction'],
      Resource: ['arn:aws:autoscaling:us-east-1:111122223333:autoScalingGroup:*:autoScalingGroupName/dsm-prod-subscribers'],
    });
  });
});
