/**
 * Finds the instance ids the stacks put into the deployed dashboards (NATS nodes, ingestion
 * primary/standby), by the tags the stacks set (`dsm:env`, `dsm:role`, `dsm:node`, `dsm:standby`),
 * so `dsm dashboards import|diff` render exactly what `cdktf deploy` rendered.
 */
import { DescribeInstancesCommand, EC2Client, type Instance } from '@aws-sdk/client-ec2';
import type { DsmConfig } from '../config/schema.js';
import { describeAwsError } from '../services/metrics/cloudwatch.js';
import { subscriberAsgName } from './names.js';
import type { DashboardResources } from './overview.js';

const tag = (i: Instance, key: string) => i.Tags?.find((t) => t.Key === key)?.Value;

async function instancesWithRole(ec2: EC2Client, env: string, role: string): Promise<Instance[]> {
  const out: Instance[] = [];
  let token: string | undefined;
  do {
    const page = await ec2.send(new DescribeInstancesCommand({
      Filters: [
        { Name: 'tag:dsm:env', Values: [env] },
        { Name: 'tag:dsm:role', Values: [role] },
        // Terminated instances linger in the API for a while; they are not on any dashboard.
        { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped'] },
      ],
      ...(token ? { NextToken: token } : {}),
    }));
    for (const r of page.Reservations ?? []) out.push(...(r.Instances ?? []));
    token = page.NextToken;
  } while (token);
  return out;
}

export async function discoverResources(ec2: EC2Client, cfg: DsmConfig): Promise<DashboardResources> {
  try {
    const nats = await instancesWithRole(ec2, cfg.env, 'nats');
    const ingest = await instancesWithRole(ec2, cfg.env, 'ingest');
    // Same order the stacks use: NATS by node number, ingestion primary before standby.
    nats.sort((a, b) => Number(tag(a, 'dsm:node') ?? 0) - Number(tag(b, 'dsm:node') ?? 0));
    ingest.sort((a, b) => Number(tag(a, 'dsm:standby') === 'true') - Number(tag(b, 'dsm:standby') === 'true') || (tag(a, 'Name') ?? '').localeCompare(tag(b, 'Name') ?? ''));
    return {
      subscriberAsgName: subscriberAsgName(cfg),
      natsInstanceIds: nats.map((i) => i.InstanceId!).filter(Boolean),
      ingestionInstanceIds: ingest.map((i) => i.InstanceId!).filter(Boolean),
    };
  } catch (err) {
    throw new Error(`DescribeInstances (finding the dashboards' instance ids) failed: ${describeAwsError(err)}`);
  }
}
