/**
 * The loop's AWS ends: observations from CloudWatch GetMetricData, the subscriber ASG's
 * target-tracking target through PutScalingPolicy, and client settings as SSM parameters.
 * Each applier can also describe the call it would make, for `--dry-run`.
 */
import { AutoScalingClient, DescribePoliciesCommand, PutScalingPolicyCommand, type ScalingPolicy, type PutScalingPolicyCommandInput } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient, GetMetricDataCommand, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { GetParameterCommand, PutParameterCommand, SSMClient, type PutParameterCommandInput } from '@aws-sdk/client-ssm';
import { natsNodes } from '../../config/topology.js';
import { METRICS } from '../../config/metrics.js';
import type { DsmConfig } from '../../config/schema.js';
import { clientTuningParameter } from '../../dashboards/names.js';
import type { Decision, Setting, TuneObservation } from './decide.js';
import type { ObservationSource, SettingApplier } from './loop.js';

export class TuneAwsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TuneAwsError';
  }
}

function awsMessage(err: unknown): string {
  const e = err as { name?: string; message?: string };
  return `${e?.name ?? 'Error'}: ${e?.message ?? String(err)}`;
}

/** Latest value of each series over the last `windowSeconds`, from one GetMetricData call. */
export class CloudWatchObservationSource implements ObservationSource {
  constructor(private readonly client: CloudWatchClient, private readonly cfg: DsmConfig, private readonly asgName: string, private readonly windowSeconds = 600, private readonly now: () => number = Date.now) {}

  queries(): MetricDataQuery[] {
    const ns = this.cfg.metrics.namespace;
    const cluster = [{ Name: 'Cluster', Value: this.cfg.nats.clusterName }];
    // One-minute points whatever the storage resolution: the loop acts on minutes, not seconds.
    const period = 60;
    const stat = (id: string, namespace: string, name: string, dims: Array<{ Name: string; Value: string }>, s: string): MetricDataQuery => ({ Id: id, MetricStat: { Metric: { Namespace: namespace, MetricName: name, Dimensions: dims }, Period: period, Stat: s }, ReturnData: true });
    // Cluster rates are the sum of the per-node rates every NATS host's agent emits (an agent on AWS
    // scrapes its own node only, so no agent there emits a cluster-wide figure).
    const nodes = natsNodes(this.cfg);
    const perNode = (id: string, name: string): MetricDataQuery[] => [
      ...nodes.map((n) => ({ ...stat(`${id}_${n.index}`, ns, name, [...cluster, { Name: 'Node', Value: n.name }], 'Average'), ReturnData: false })),
      { Id: id, Expression: `SUM([${nodes.map((n) => `${id}_${n.index}`).join(', ')}])`, Period: period, ReturnData: true },
    ];
    return [
      ...perNode('delivered', METRICS.nodeDeliveredRate.name),
      ...perNode('published', METRICS.nodePublishedRate.name),
      stat('p99', ns, METRICS.latencyP99.name, [...cluster, { Name: 'Hop', Value: 'end_to_end' }], 'Maximum'),
      stat('subslow', ns, METRICS.subscriberSlow.name, cluster, 'Sum'),
      stat('inservice', 'AWS/AutoScaling', 'GroupInServiceInstances', [{ Name: 'AutoScalingGroupName', Value: this.asgName }], 'Average'),
      { Id: 'slow', Expression: `SUM(SEARCH('{${ns},Cluster,Node} MetricName="${METRICS.natsSlowConsumers.name}" Cluster="${this.cfg.nats.clusterName}"', 'Sum', ${period}))`, Period: period, ReturnData: true },
    ];
  }

  async observe(): Promise<TuneObservation | undefined> {
    const end = this.now();
    let out;
    try {
      out = await this.client.send(new GetMetricDataCommand({ MetricDataQueries: this.queries(), StartTime: new Date(end - this.windowSeconds * 1000), EndTime: new Date(end), ScanBy: 'TimestampDescending' }));
    } catch (err) {
      throw new TuneAwsError(`GetMetricData failed: ${awsMessage(err)}`);
    }
    const latest = (id: string) => out.MetricDataResults?.find((r) => r.Id === id)?.Values?.[0];
    const delivered = latest('delivered');
    if (delivered === undefined) return undefined;
    const inService = Math.max(1, latest('inservice') ?? 1);
    const p99 = latest('p99');
    return {
      at: end,
      // Each ingest worker owns one connection, so the busiest publisher carries about this much.
      publisherRate: (latest('published') ?? 0) / Math.max(1, this.cfg.ingest.workers),
      receiverRate: delivered / inService,
      ...(p99 !== undefined ? { e2eP99Micros: p99 } : {}),
      slowConsumers: latest('slow') ?? 0,
      subscriberSlow: latest('subslow') ?? 0,
    };
  }
}

/** True when a target-tracking policy tracks the cluster delivered rate (plain or via metric math). */
export function tracksDeliveredRate(p: ScalingPolicy): boolean {
  const spec = p.TargetTrackingConfiguration?.CustomizedMetricSpecification;
  const name = METRICS.clusterDeliveredRate.name;
  return spec?.MetricName === name || (spec?.Metrics ?? []).some((m) => m.MetricStat?.Metric?.MetricName === name);
}

export class AsgTargetApplier {
  private policy: ScalingPolicy | undefined;

  constructor(private readonly client: AutoScalingClient, private readonly asgName: string) {}

  /** Finds the delivered-rate target-tracking policy; its TargetValue is the current setting. */
  async load(): Promise<number> {
    let out;
    try {
      out = await this.client.send(new DescribePoliciesCommand({ AutoScalingGroupName: this.asgName, PolicyTypes: ['TargetTrackingScaling'] }));
    } catch (err) {
      throw new TuneAwsError(`DescribePolicies for ${this.asgName} failed: ${awsMessage(err)}`);
    }
    this.policy = (out.ScalingPolicies ?? []).find(tracksDeliveredRate);
    if (!this.policy?.TargetTrackingConfiguration?.TargetValue) throw new TuneAwsError(`no target-tracking policy on ${this.asgName} tracks ${METRICS.clusterDeliveredRate.name}`);
    return this.policy.TargetTrackingConfiguration.TargetValue;
  }

  /** The same policy with only its target changed: PutScalingPolicy replaces the whole configuration. */
  input(value: number): PutScalingPolicyCommandInput {
    const p = this.policy;
    if (!p?.PolicyName || !p.TargetTrackingConfiguration) throw new TuneAwsError('load() the policy before changing it');
    return {
      AutoScalingGroupName: this.asgName,
      PolicyName: p.PolicyName,
      PolicyType: 'TargetTrackingScaling',
      ...(p.EstimatedInstanceWarmup !== undefined ? { EstimatedInstanceWarmup: p.EstimatedInstanceWarmup } : {}),
      ...(p.Enabled !== undefined ? { Enabled: p.Enabled } : {}),
      TargetTrackingConfiguration: { ...p.TargetTrackingConfiguration, TargetValue: Math.round(value) },
    };
  }

  async apply(value: number): Promise<void> {
    const input = this.input(value);
    try {
      await this.client.send(new PutScalingPolicyCommand(input));
    } catch (err) {
      throw new TuneAwsError(`PutScalingPolicy ${input.PolicyName} failed: ${awsMessage(err)}`);
    }
    this.policy = { ...this.policy!, TargetTrackingConfiguration: input.TargetTrackingConfiguration };
  }
}

export class SsmClientSettings {
  constructor(private readonly client: SSMClient, private readonly cfg: DsmConfig) {}

  input(setting: Setting, value: number, reason: string): PutParameterCommandInput {
    return { Name: clientTuningParameter(this.cfg, setting), Value: String(Math.round(value)), Type: 'String', Overwrite: true, Description: `set by dsm tune: ${reason}`.slice(0, 1024) };
  }

  /** Current value, or the config's when the parameter was never written. */
  async load(setting: 'batchMessages' | 'maxQueuedMessages'): Promise<number> {
    const fallback = setting === 'batchMessages' ? this.cfg.ingest.batchMessages : this.cfg.client.maxQueuedMessages;
    try {
      const out = await this.client.send(new GetParameterCommand({ Name: clientTuningParameter(this.cfg, setting) }));
      const v = Number(out.Parameter?.Value);
      return Number.isFinite(v) && v > 0 ? v : fallback;
    } catch (err) {
      if ((err as { name?: string }).name === 'ParameterNotFound') return fallback;
      throw new TuneAwsError(`GetParameter ${clientTuningParameter(this.cfg, setting)} failed: ${awsMessage(err)}`);
    }
  }

  async apply(setting: Setting, value: number, reason: string): Promise<void> {
    const input = this.input(setting, value, reason);
    try {
      await this.client.send(new PutParameterCommand(input));
    } catch (err) {
      throw new TuneAwsError(`PutParameter ${input.Name} failed: ${awsMessage(err)}`);
    }
  }
}

/** Routes the ASG target to Auto Scaling and client settings to SSM. */
export class AwsApplier implements SettingApplier {
  constructor(readonly asg: AsgTargetApplier, readonly ssm: SsmClientSettings) {}

  async apply(setting: Setting, value: number, decision: Decision): Promise<void> {
    if (setting === 'scalingTarget') await this.asg.apply(value);
    else await this.ssm.apply(setting, value, decision.reason);
  }

  describe(setting: Setting, value: number, decision: Decision): string {
    const input = setting === 'scalingTarget' ? this.asg.input(value) : this.ssm.input(setting, value, decision.reason);
    return `would call ${setting === 'scalingTarget' ? 'PutScalingPolicy' : 'PutParameter'} ${JSON.stringify(input)}`;
  }
}
