/**
 * Platform policy, checked over a whole synthesized stack (Terraform JSON). Pure functions with no
 * cdktf import: the tests run them on every environment variant, and on hand-made bad fragments
 * to prove each check can fail. Each violation is one line naming the resource and the rule.
 */
import { isEnaInstanceType } from '../config/schema.js';

export interface PolicyExpectations {
  /** The AZ every instance and launch template must use, unless it is a NATS node. */
  az: string;
  /** NATS node number -> the AZ it must be in (differs from `az` only when spread). */
  natsNodeAzs: Record<number, string>;
  /** Name of the NATS security group: the only source allowed on the route port. */
  natsSecurityGroupName: string;
  natsCidrs: readonly string[];
  clusterPort: number;
}

// Terraform JSON is untyped; these checks walk it structurally.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;
type Resources = Record<string, Record<string, Json>>;

const OPEN_WORLD = new Set(['0.0.0.0/0', '::/0']);
const SSH = 22;

function each(resources: Resources, type: string): Array<[string, Json]> {
  return Object.entries(resources[type] ?? {}).map(([name, props]) => [`${type}.${name}`, props]);
}

const covers = (r: { from_port?: number; to_port?: number }, port: number) =>
  r.from_port === undefined || r.from_port === -1 || ((r.from_port ?? 0) <= port && (r.to_port ?? 65535) >= port);

/** Every CIDR a network rule admits or reaches, whatever the resource shape. */
function cidrsOf(rule: Json): string[] {
  return [rule.cidr_ipv4, rule.cidr_ipv6, rule.cidr_block, rule.ipv6_cidr_block, ...(rule.cidr_blocks ?? []), ...(rule.ipv6_cidr_blocks ?? [])].filter((c): c is string => typeof c === 'string');
}

function networkRules(resources: Resources): Array<{ id: string; rule: Json; ingress: boolean }> {
  const out: Array<{ id: string; rule: Json; ingress: boolean }> = [];
  for (const [id, r] of each(resources, 'aws_vpc_security_group_ingress_rule')) out.push({ id, rule: r, ingress: true });
  for (const [id, r] of each(resources, 'aws_vpc_security_group_egress_rule')) out.push({ id, rule: r, ingress: false });
  for (const [id, r] of each(resources, 'aws_security_group_rule')) out.push({ id, rule: r, ingress: r.type === 'ingress' });
  for (const [id, r] of each(resources, 'aws_network_acl_rule')) out.push({ id, rule: r, ingress: r.egress !== true });
  for (const type of ['aws_security_group', 'aws_network_acl']) {
    for (const [id, g] of each(resources, type)) {
      for (const r of g.ingress ?? []) out.push({ id: `${id} (inline)`, rule: r, ingress: true });
      for (const r of g.egress ?? []) out.push({ id: `${id} (inline)`, rule: r, ingress: false });
    }
  }
  return out;
}

export function openWorldViolations(resources: Resources): string[] {
  return networkRules(resources).flatMap(({ id, rule }) =>
    cidrsOf(rule).filter((c) => OPEN_WORLD.has(c)).map((c) => `${id}: open to ${c}`));
}

export function sshViolations(resources: Resources): string[] {
  const rules = networkRules(resources).filter(({ rule, ingress }) => ingress && rule.rule_action !== 'deny' && covers(rule, SSH) && rule.protocol !== 'udp' && rule.ip_protocol !== 'udp');
  const keys = [...each(resources, 'aws_instance'), ...each(resources, 'aws_launch_template')].filter(([, r]) => r.key_name !== undefined);
  return [...rules.map(({ id }) => `${id}: admits SSH (22)`), ...keys.map(([id]) => `${id}: has an SSH key pair`)];
}

/** Route port: only NATS-SG-to-NATS-SG in security groups, only NATS subnets in NACLs. */
export function routePortViolations(resources: Resources, x: PolicyExpectations): string[] {
  const natsSg = each(resources, 'aws_security_group').find(([, g]) => g.name === x.natsSecurityGroupName);
  if (!natsSg) return [`no security group named ${x.natsSecurityGroupName}`];
  const natsRef = `\${${natsSg[0]}.id}`;
  const out: string[] = [];
  for (const [id, r] of each(resources, 'aws_vpc_security_group_ingress_rule')) {
    if (!covers(r, x.clusterPort)) continue;
    if (r.security_group_id !== natsRef || r.referenced_security_group_id !== natsRef || cidrsOf(r).length) {
      out.push(`${id}: opens route port ${x.clusterPort} to something other than the NATS security group`);
    }
  }
  for (const [id, g] of each(resources, 'aws_security_group')) {
    if ((g.ingress ?? []).some((r: Json) => covers(r, x.clusterPort))) out.push(`${id}: inline ingress covers route port ${x.clusterPort}`);
  }
  for (const [id, r] of each(resources, 'aws_network_acl_rule')) {
    if (r.egress === true || !covers(r, x.clusterPort)) continue;
    if (!x.natsCidrs.includes(r.cidr_block)) out.push(`${id}: NACL admits route port ${x.clusterPort} from ${r.cidr_block}`);
  }
  return out;
}

export function computeViolations(resources: Resources, x: PolicyExpectations): string[] {
  const out: string[] = [];
  const placementGroups = new Set(each(resources, 'aws_placement_group').map(([id]) => `\${${id}.name}`));
  for (const [id, r] of each(resources, 'aws_instance')) {
    if (r.metadata_options?.http_tokens !== 'required') out.push(`${id}: IMDSv2 not required`);
    if (r.root_block_device?.encrypted !== true) out.push(`${id}: root volume not encrypted`);
    for (const v of r.ebs_block_device ?? []) if (v.encrypted !== true) out.push(`${id}: EBS volume ${v.device_name} not encrypted`);
    if (!isEnaInstanceType(r.instance_type)) out.push(`${id}: ${r.instance_type} is not an ENA instance type`);
    if (!placementGroups.has(r.placement_group)) out.push(`${id}: not in a placement group of this stack`);
    const node = r.tags?.['dsm:role'] === 'nats' ? Number(r.tags['dsm:node']) : undefined;
    const az = node !== undefined ? x.natsNodeAzs[node] : x.az;
    if (r.availability_zone !== az) out.push(`${id}: in ${r.availability_zone}, expected ${az}`);
  }
  for (const [id, r] of each(resources, 'aws_launch_template')) {
    if (r.metadata_options?.http_tokens !== 'required') out.push(`${id}: IMDSv2 not required`);
    const volumes: Json[] = r.block_device_mappings ?? [];
    if (!volumes.length) out.push(`${id}: no root volume mapping (encryption unproven)`);
    for (const v of volumes) if (String(v.ebs?.encrypted) !== 'true') out.push(`${id}: volume ${v.device_name} not encrypted`);
    if (!isEnaInstanceType(r.instance_type)) out.push(`${id}: ${r.instance_type} is not an ENA instance type`);
    if (!placementGroups.has(r.placement?.group_name)) out.push(`${id}: not in a placement group of this stack`);
    if (r.placement?.availability_zone !== x.az) out.push(`${id}: in ${r.placement?.availability_zone}, expected ${x.az}`);
  }
  for (const [id, g] of each(resources, 'aws_autoscaling_group')) {
    if (!placementGroups.has(g.placement_group)) out.push(`${id}: not in a placement group of this stack`);
  }
  return out;
}

export function loggingViolations(resources: Resources): string[] {
  return [
    ...each(resources, 'aws_cloudwatch_log_group').filter(([, g]) => !(g.retention_in_days > 0)).map(([id]) => `${id}: no retention`),
    ...each(resources, 'aws_cloudtrail').filter(([, t]) => t.enable_log_file_validation !== true).map(([id]) => `${id}: log file validation off`),
  ];
}

const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

/** Allow statements whose actions include `*` while their resources include `*`. */
export function iamViolations(resources: Resources): string[] {
  const docs: Array<[string, string]> = [
    ...each(resources, 'aws_iam_role_policy').map(([id, p]): [string, string] => [id, p.policy]),
    ...each(resources, 'aws_iam_policy').map(([id, p]): [string, string] => [id, p.policy]),
    ...each(resources, 'aws_iam_role').flatMap(([id, r]) => asList(r.inline_policy).map((p: Json): [string, string] => [`${id} (inline)`, p.policy])),
  ];
  const out: string[] = [];
  for (const [id, text] of docs) {
    const doc = JSON.parse(text);
    for (const s of asList(doc.Statement) as Json[]) {
      if (s.Effect === 'Allow' && asList(s.Action).includes('*') && asList(s.Resource).includes('*')) out.push(`${id}: grants * on *`);
      const actions = asList(s.Action) as string[];
      const cond = s.Condition?.StringEquals ?? {};
      // Decrypt through SSM without naming the parameters opens every SecureString under the key
      // (the managed SSM policy already allows GetParameter on *).
      if (s.Effect === 'Allow' && actions.includes('kms:Decrypt') && String(cond['kms:ViaService'] ?? '').startsWith('ssm.') && !cond['kms:EncryptionContext:PARAMETER_ARN']) {
        out.push(`${id}: kms:Decrypt via SSM not limited by kms:EncryptionContext:PARAMETER_ARN`);
      }
      if (s.Effect === 'Allow' && actions.includes('cloudwatch:PutMetricData') && !cond['cloudwatch:namespace']) out.push(`${id}: PutMetricData not limited to a namespace`);
    }
  }
  for (const [id, a] of each(resources, 'aws_iam_role_policy_attachment')) {
    if (/\/AdministratorAccess$/.test(a.policy_arn)) out.push(`${id}: attaches AdministratorAccess`);
    if (/\/CloudWatchAgentServerPolicy$/.test(a.policy_arn)) out.push(`${id}: attaches CloudWatchAgentServerPolicy (PutMetricData in any namespace, any log group)`);
  }
  return out;
}

export function policyViolations(stack: Json, x: PolicyExpectations): string[] {
  const resources: Resources = stack.resource ?? {};
  return [
    ...openWorldViolations(resources), ...sshViolations(resources), ...routePortViolations(resources, x),
    ...computeViolations(resources, x), ...loggingViolations(resources), ...iamViolations(resources),
  ];
}
