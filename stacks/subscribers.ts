/**
 * Subscribers: a launch template and an Auto Scaling Group that scales on the work NATS actually
 * delivers. Three target-tracking policies run side by side (the ASG follows whichever asks for
 * the most capacity): delivered messages per in-service instance (metric math over the metrics
 * agent's ClusterDeliveredMsgRate and the ASG's own GroupInServiceInstances), CPU, and network in.
 * Scale-in waits on a lifecycle hook while the instance drains its NATS subscriptions.
 */
import { Construct, Token } from './cdktf.js';
import { AutoscalingGroup, AutoscalingLifecycleHook, AutoscalingPolicy, LaunchTemplate } from './aws.js';
import { METRICS } from '../config/metrics.js';
import { launchTemplateHardening } from './hardening.js';
import { InstanceRole, readTunedSettings } from './instance-role.js';
import { subscriberBootScript } from './boot-scripts.js';
import { userDataBase64 } from './user-data.js';

export interface SubscribersProps {
  name: string;
  asgName: string;
  env: string;
  region: string;
  partition: string;
  accountId: string;
  az: string;
  subnetId: string;
  instanceType: string;
  /** An AMI id, or `resolve:ssm:<parameter>`: launch templates resolve it at each launch. */
  imageId: string;
  rootVolumeGb: number;
  securityGroupIds: string[];
  placementGroupName: string;
  identity: string;
  tlsParameterArns: string[];
  tlsKmsKeyArn: string;
  /** Every other tier's TLS parameter ARNs: denied outright to this tier's role. */
  deniedTlsParameterArns: string[];
  /** Log groups this tier's hosts ship journald into. */
  logGroupArns: string[];
  /** ARN (wildcard) of the client settings `dsm tune` writes; readable, never writable, here. */
  tunedSettingsArn: string;
  scaling: {
    min: number;
    max: number;
    desired: number;
    targetMsgsPerInstance: number;
    targetCpuPercent: number;
    targetNetworkInBytesPerInstance: number;
    warmupSeconds: number;
  };
  metricsNamespace: string;
  clusterName: string;
}

/** How long a terminating subscriber may take to drain before the ASG proceeds anyway. */
export const DRAIN_TIMEOUT_SECONDS = 120;

export class Subscribers extends Construct {
  readonly group: AutoscalingGroup;
  readonly launchTemplate: LaunchTemplate;
  readonly asgName: string;

  constructor(scope: Construct, id: string, props: SubscribersProps) {
    super(scope, id);
    const asgName = props.asgName;
    const hookName = `${asgName}-drain`;
    this.asgName = asgName;
    const role = new InstanceRole(this, 'role', {
      name: `${props.name}-subscriber`, partition: props.partition, region: props.region,
      parameterArns: props.tlsParameterArns, deniedParameterArns: props.deniedTlsParameterArns, kmsKeyArn: props.tlsKmsKeyArn,
      logGroupArns: props.logGroupArns,
      extraStatements: [readTunedSettings(props.tunedSettingsArn), {
        Sid: 'CompleteOwnDrain', Effect: 'Allow', Action: ['autoscaling:CompleteLifecycleAction'],
        Resource: [`arn:${props.partition}:autoscaling:${props.region}:${props.accountId}:autoScalingGroup:*:autoScalingGroupName/${asgName}`],
      }],
    });

    const script = subscriberBootScript({ env: props.env, region: props.region, identity: props.identity, asgName, lifecycleHook: hookName });
    this.launchTemplate = new LaunchTemplate(this, 'template', {
      name: asgName,
      imageId: props.imageId,
      instanceType: props.instanceType,
      vpcSecurityGroupIds: props.securityGroupIds,
      iamInstanceProfile: { arn: role.profile.arn },
      placement: { groupName: props.placementGroupName, availabilityZone: props.az },
      ...launchTemplateHardening(props.rootVolumeGb),
      userData: userDataBase64(script),
      updateDefaultVersion: true,
      // Provider default tags reach neither launched instances nor their volumes: tag them here.
      tagSpecifications: [{ resourceType: 'instance', tags: { Name: asgName, 'dsm:env': props.env, 'dsm:role': 'subscriber' } }, { resourceType: 'volume', tags: { Name: asgName, 'dsm:env': props.env } }],
    });

    const s = props.scaling;
    this.group = new AutoscalingGroup(this, 'group', {
      name: asgName,
      minSize: s.min,
      maxSize: s.max,
      desiredCapacity: s.desired,
      vpcZoneIdentifier: [props.subnetId],
      placementGroup: props.placementGroupName,
      // The concrete version number, not `$Latest`: a new template version then changes the group's
      // configuration, which is what starts the instance refresh below (`$Latest` never changes).
      launchTemplate: { id: this.launchTemplate.id, version: Token.asString(this.launchTemplate.latestVersion) },
      defaultInstanceWarmup: s.warmupSeconds,
      healthCheckType: 'EC2',
      // GroupInServiceInstances feeds the per-instance metric math and the "at max" alarm.
      enabledMetrics: ['GroupInServiceInstances', 'GroupDesiredCapacity', 'GroupMaxSize', 'GroupTerminatingInstances'],
      // Launch before terminate, so a refresh never drops delivered capacity.
      instanceRefresh: { strategy: 'Rolling', preferences: { minHealthyPercentage: 100, maxHealthyPercentage: 200, instanceWarmup: String(s.warmupSeconds) } },
      // The policies own the desired count once the group exists.
      lifecycle: { ignoreChanges: ['desired_capacity'] },
      tag: [{ key: 'dsm:env', value: props.env, propagateAtLaunch: true }, { key: 'dsm:role', value: 'subscriber', propagateAtLaunch: true }],
    });

    new AutoscalingLifecycleHook(this, 'drain', {
      name: hookName,
      autoscalingGroupName: this.group.name,
      lifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING',
      heartbeatTimeout: DRAIN_TIMEOUT_SECONDS,
      defaultResult: 'CONTINUE',
    });

    const policy = (pid: string, targetTrackingConfiguration: ConstructorParameters<typeof AutoscalingPolicy>[2]['targetTrackingConfiguration']) =>
      new AutoscalingPolicy(this, pid, {
        name: `${asgName}-${pid}`, autoscalingGroupName: this.group.name, policyType: 'TargetTrackingScaling',
        estimatedInstanceWarmup: s.warmupSeconds, targetTrackingConfiguration,
      });
    policy('delivered-msgs-per-instance', {
      targetValue: s.targetMsgsPerInstance,
      customizedMetricSpecification: {
        metrics: [
          {
            id: 'delivered', returnData: false, label: 'NATS messages delivered per second (cluster)',
            metricStat: { stat: 'Average', metric: { namespace: props.metricsNamespace, metricName: METRICS.clusterDeliveredRate.name, dimensions: [{ name: 'Cluster', value: props.clusterName }] } },
          },
          {
            id: 'inservice', returnData: false, label: 'In-service subscribers',
            metricStat: { stat: 'Average', metric: { namespace: 'AWS/AutoScaling', metricName: 'GroupInServiceInstances', dimensions: [{ name: 'AutoScalingGroupName', value: asgName }] } },
          },
          { id: 'per_instance', expression: 'delivered / inservice', label: 'Delivered messages per second per subscriber', returnData: true },
        ],
      },
    });
    policy('cpu', { targetValue: s.targetCpuPercent, predefinedMetricSpecification: { predefinedMetricType: 'ASGAverageCPUUtilization' } });
    policy('network-in', { targetValue: s.targetNetworkInBytesPerInstance, predefinedMetricSpecification: { predefinedMetricType: 'ASGAverageNetworkIn' } });
  }
}
