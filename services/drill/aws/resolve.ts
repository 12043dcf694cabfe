/**
 * Finding a drill's targets on AWS by tags, never by hard-coded ids. The stacks tag every DSM
 * instance and Auto Scaling group the same way (stacks/nats-cluster.ts sets dsm:role/dsm:node;
 * the provider default tags set dsm:env; ASGs propagate their tags at launch):
 *
 *   dsm:env   environment name (config `env`)
 *   dsm:role  nats | ingest | subscriber
 *   dsm:node  1..N (NATS nodes; ingest hosts of a hot-standby pair)
 */
import { DescribeAutoScalingGroupsCommand, type AutoScalingGroup, type DescribeAutoScalingGroupsCommandOutput } from '@aws-sdk/client-auto-scaling';
import { DescribeInstancesCommand, DescribeInstanceStatusCommand, type DescribeInstancesCommandOutput, type DescribeInstanceStatusCommandOutput, type Filter } from '@aws-sdk/client-ec2';
import type { AwsCaller } from './caller.js';

export const TAG = { env: 'dsm:env', role: 'dsm:role', node: 'dsm:node' } as const;
export type Role = 'nats' | 'ingest' | 'subscriber';

export interface FoundInstance {
  id: string;
  state: string;
  node: number | undefined;
  privateIp: string | undefined;
}

export function tagFilters(env: string, role: Role, node?: number): Filter[] {
  const f: Filter[] = [{ Name: `tag:${TAG.env}`, Values: [env] }, { Name: `tag:${TAG.role}`, Values: [role] }];
  if (node !== undefined) f.push({ Name: `tag:${TAG.node}`, Values: [String(node)] });
  return f;
}

export const LIVE_STATES = ['pending', 'running', 'stopping', 'stopped', 'shutting-down'];

export function describeSelector(env: string, role: Role, node?: number): string {
  return `${TAG.env}=${env},${TAG.role}=${role}${node !== undefined ? `,${TAG.node}=${node}` : ''}`;
}

/** Instances of a role (optionally one node) in the given states, ordered by node then id. */
export async function findInstances(caller: AwsCaller, env: string, role: Role, opts: { node?: number; states: string[] }): Promise<FoundInstance[]> {
  const out: FoundInstance[] = [];
  let NextToken: string | undefined;
  do {
    const res = await caller.read<DescribeInstancesCommandOutput>('ec2', new DescribeInstancesCommand({
      Filters: [...tagFilters(env, role, opts.node), { Name: 'instance-state-name', Values: opts.states }],
      ...(NextToken ? { NextToken } : {}),
    }));
    for (const r of res.Reservations ?? []) {
      for (const i of r.Instances ?? []) {
        const nodeTag = i.Tags?.find((t) => t.Key === TAG.node)?.Value;
        out.push({ id: i.InstanceId!, state: i.State?.Name ?? 'unknown', node: nodeTag ? Number(nodeTag) : undefined, privateIp: i.PrivateIpAddress });
      }
    }
    NextToken = res.NextToken;
  } while (NextToken);
  return out.sort((a, b) => (a.node ?? 0) - (b.node ?? 0) || a.id.localeCompare(b.id));
}

/** States of specific instances (waiters poll this). */
export async function instanceStates(caller: AwsCaller, ids: string[]): Promise<Map<string, string>> {
  const res = await caller.read<DescribeInstancesCommandOutput>('ec2', new DescribeInstancesCommand({ InstanceIds: ids }));
  const m = new Map<string, string>();
  for (const r of res.Reservations ?? []) for (const i of r.Instances ?? []) m.set(i.InstanceId!, i.State?.Name ?? 'unknown');
  return m;
}

/** Instance and system status checks; an instance missing from the answer is not ok. */
export async function statusChecks(caller: AwsCaller, ids: string[]): Promise<Map<string, string>> {
  const res = await caller.read<DescribeInstanceStatusCommandOutput>('ec2', new DescribeInstanceStatusCommand({ InstanceIds: ids, IncludeAllInstances: true }));
  const m = new Map<string, string>(ids.map((id) => [id, 'no status']));
  for (const s of res.InstanceStatuses ?? []) {
    const inst = s.InstanceStatus?.Status ?? 'unknown';
    const sys = s.SystemStatus?.Status ?? 'unknown';
    m.set(s.InstanceId!, inst === 'ok' && sys === 'ok' ? 'ok' : `instance ${inst}, system ${sys}`);
  }
  return m;
}

/** The one Auto Scaling group of a role in an environment. */
export async function findAsg(caller: AwsCaller, env: string, role: Role): Promise<AutoScalingGroup> {
  const groups: AutoScalingGroup[] = [];
  let NextToken: string | undefined;
  do {
    const res = await caller.read<DescribeAutoScalingGroupsCommandOutput>('asg', new DescribeAutoScalingGroupsCommand({
      Filters: [{ Name: `tag:${TAG.env}`, Values: [env] }, { Name: `tag:${TAG.role}`, Values: [role] }],
      ...(NextToken ? { NextToken } : {}),
    }));
    groups.push(...(res.AutoScalingGroups ?? []));
    NextToken = res.NextToken;
  } while (NextToken);
  if (groups.length !== 1) {
    throw new Error(`expected one Auto Scaling group tagged ${TAG.env}=${env},${TAG.role}=${role}, found ${groups.length}${groups.length ? ` (${groups.map((g) => g.AutoScalingGroupName).join(', ')})` : ''}`);
  }
  return groups[0]!;
}

export function inServiceHealthy(g: AutoScalingGroup): string[] {
  return (g.Instances ?? []).filter((i) => i.LifecycleState === 'InService' && i.HealthStatus === 'Healthy').map((i) => i.InstanceId!).sort();
}
