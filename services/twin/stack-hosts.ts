/**
 * The hosts a synthesized stack would run: every aws_instance, and `desired_capacity` members of
 * every auto scaling group (from its launch template), each with the network identity the flow
 * contract needs (address, subnet, security groups) and the user data it boots with, decoded the
 * way Terraform and EC2 would (template escapes undone, base64 decoded). Pure.
 */
import { hostInCidr } from '../../config/cidr.js';
import { refName, type NetEndpoint } from './network.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

export interface StackHost {
  /** Short name: the Name tag without the `dsm-<env>-` prefix (`nats-1`, `ingest-primary`), or `<group>-<n>`. */
  name: string;
  role: string;
  /** Terraform address it comes from. */
  resource: string;
  /** Name of its (first) security group: the host's tier. */
  tier: string;
  net: NetEndpoint;
  userData: string;
  /** What is wrong with this host's definition (user data Terraform would misread, ...). */
  problems: string[];
}

function each(json: Json, type: string): Array<[string, Json]> {
  return Object.entries((json?.resource?.[type] ?? {}) as Record<string, Json>);
}

/**
 * A Terraform JSON string is a template: `${...}` and `%{...}` are evaluated and `$${` / `%%{`
 * are the escapes for a literal `${` / `%{`. User data holding an unescaped `${` is not what the
 * host gets (terraform validate rejects it, or substitutes something).
 */
export function terraformLiteral(text: string): { text: string; interpolations: string[] } {
  const interpolations = [...text.matchAll(/(?<![$%])([$%])\{[^}\n]*\}?/g)].map((m) => m[0]);
  return { text: text.replace(/\$\$\{/g, '${').replace(/%%\{/g, '%{'), interpolations };
}

function decodeUserData(props: Json, where: string, base64Field: boolean): { text: string; problems: string[] } {
  const problems: string[] = [];
  const raw = base64Field ? props.user_data : props.user_data ?? props.user_data_base64;
  if (typeof raw !== 'string') return { text: '', problems: [`${where}: no user data`] };
  const lit = terraformLiteral(raw);
  if (lit.interpolations.length) {
    problems.push(`${where}: user data holds Terraform interpolation Terraform would evaluate (escape it as $\${ or base64 it): ${[...new Set(lit.interpolations)].slice(0, 5).join(' ')}`);
  }
  const isBase64 = base64Field || props.user_data_base64 !== undefined;
  if (!isBase64) return { text: lit.text, problems };
  if (!/^[A-Za-z0-9+/=\s]+$/.test(lit.text)) return { text: '', problems: [...problems, `${where}: base64 user data is an expression the twin cannot evaluate (${lit.text.slice(0, 60)})`] };
  return { text: Buffer.from(lit.text, 'base64').toString('utf8'), problems };
}

function sgNameOf(json: Json, sg: string | undefined): string {
  return sg ? String(json.resource?.aws_security_group?.[sg]?.name ?? sg) : '(none)';
}

export function stackHosts(json: Json, env: string): StackHost[] {
  const hosts: StackHost[] = [];
  const subnets = new Map<string, string>(each(json, 'aws_subnet').map(([n, s]) => [n, String(s.cidr_block)]));
  // Addresses handed to hosts without a fixed private_ip, per subnet, away from the NATS nodes' .10.
  const nextHost = new Map<string, number>();
  const addressIn = (subnet: string) => {
    const n = (nextHost.get(subnet) ?? 20) + 1;
    nextHost.set(subnet, n);
    const cidr = subnets.get(subnet);
    return cidr ? hostInCidr(cidr, n) : '0.0.0.0';
  };
  const short = (tagName: unknown, fallback: string) => (typeof tagName === 'string' ? tagName.replace(new RegExp(`^dsm-${env}-`), '') : fallback);

  for (const [n, inst] of each(json, 'aws_instance')) {
    const resource = `aws_instance.${n}`;
    const subnet = refName(inst.subnet_id, 'aws_subnet') ?? '?';
    const sgs = (inst.vpc_security_group_ids ?? []).map((s: string) => refName(s, 'aws_security_group')).filter(Boolean) as string[];
    const ud = decodeUserData(inst, resource, false);
    const name = short(inst.tags?.Name, n);
    hosts.push({
      name, role: String(inst.tags?.['dsm:role'] ?? 'unknown'), resource, tier: sgNameOf(json, sgs[0]),
      net: { host: name, ip: typeof inst.private_ip === 'string' ? inst.private_ip : addressIn(subnet), subnet, sgs },
      userData: ud.text, problems: ud.problems,
    });
  }

  for (const [n, asg] of each(json, 'aws_autoscaling_group')) {
    const resource = `aws_autoscaling_group.${n}`;
    const ltName = refName(asg.launch_template?.id ?? asg.launch_template?.name, 'aws_launch_template')
      ?? refName(asg.mixed_instances_policy?.launch_template?.launch_template_specification?.launch_template_id, 'aws_launch_template');
    const lt = ltName ? json.resource?.aws_launch_template?.[ltName] : undefined;
    const count = Number(asg.desired_capacity ?? asg.min_size ?? 0);
    const subnet = refName((asg.vpc_zone_identifier ?? [])[0], 'aws_subnet') ?? '?';
    const sgIds: string[] = lt?.vpc_security_group_ids ?? lt?.network_interfaces?.[0]?.security_groups ?? [];
    const sgs = sgIds.map((s) => refName(s, 'aws_security_group')).filter(Boolean) as string[];
    const ud = lt ? decodeUserData(lt, `aws_launch_template.${ltName}`, true) : { text: '', problems: [`${resource}: no launch template in this stack`] };
    const tags = Object.fromEntries((asg.tag ?? []).map((t: Json) => [t.key, t.value]));
    const base = short(asg.name, n).replace(/s$/, '');
    for (let i = 1; i <= count; i++) {
      const name = `${base}-${i}`;
      hosts.push({
        name, role: String(tags['dsm:role'] ?? 'unknown'), resource: `${resource}[${i - 1}]`, tier: sgNameOf(json, sgs[0]),
        net: { host: name, ip: addressIn(subnet), subnet, sgs },
        userData: ud.text, problems: [...ud.problems],
      });
    }
  }
  return hosts;
}
