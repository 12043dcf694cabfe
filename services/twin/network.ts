/**
 * Security groups and network ACLs of a synthesized stack (Terraform JSON), and the question the
 * twin asks of them: may this host open a connection to that host on this port, and do the
 * replies come back? Pure: no cdktf, no I/O; the tests feed it crafted fragments.
 *
 * The rules are AWS's:
 * - Security groups are stateful: the source's egress and the destination's ingress must each have
 *   a rule admitting the flow (a CIDR holding the peer's address, or a security group the peer's
 *   ENI carries); replies need nothing. A VPC security group created by Terraform has no default
 *   egress (the provider removes the allow-all), so only listed egress rules count.
 * - Network ACLs are stateless and apply only when a packet crosses a subnet boundary: the
 *   source subnet's ACL egress and the destination's ingress for the request, and the reverse
 *   for the reply, whose destination port is the client's ephemeral port. Rules are read in
 *   rule-number order and the first match decides (a deny before an allow wins); no match is a
 *   deny. The reply must pass for every port the client's OS may pick (Linux: 32768-60999).
 */
import { cidrContains, parseCidr, parseIpv4 } from '../../config/cidr.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

export type Protocol = 'tcp' | 'udp';

/** Linux's default net.ipv4.ip_local_port_range: the ports a client's reply goes back to. */
export const LINUX_EPHEMERAL: readonly [number, number] = [32768, 60999];

export interface SgRule {
  /** Terraform address, for messages. */
  id: string;
  /** Logical name of the security group the rule belongs to. */
  sg: string;
  direction: 'ingress' | 'egress';
  /** 'tcp', 'udp', '-1' (all), or a protocol number. */
  protocol: string;
  from: number;
  to: number;
  cidrs: string[];
  /** Logical name of the referenced security group. */
  refSg?: string;
  /** Set when the peer is something the stack cannot resolve offline (prefix list, expression). */
  unresolved?: string;
}

export interface NaclRule {
  id: string;
  nacl: string;
  egress: boolean;
  /** Undefined when the rule number is a Terraform expression. */
  number?: number;
  protocol: string;
  action: 'allow' | 'deny';
  /** Undefined when the CIDR is a Terraform expression (for_each over a prefix list, ...). */
  cidr?: string;
  from: number;
  to: number;
  unresolved?: string;
}

export interface NetworkModel {
  /** Security group logical name -> its `name`. */
  sgNames: Map<string, string>;
  sgRules: SgRule[];
  /** Subnet logical name -> CIDR. */
  subnets: Map<string, string>;
  /** Subnet logical name -> NACL logical name (absent: the VPC's default NACL, which allows all). */
  subnetNacl: Map<string, string>;
  naclRules: NaclRule[];
  /** Rules that could not be evaluated offline, one line each. */
  unresolved: string[];
}

/** A host as the network sees it. */
export interface NetEndpoint {
  host: string;
  ip: string;
  /** Subnet logical name. */
  subnet: string;
  /** Security group logical names on its ENI. */
  sgs: string[];
}

export interface FlowVerdict {
  allowed: boolean;
  /** Why not, one line per failing check. */
  reasons: string[];
}

/** `${aws_security_group.NAME.id}` -> NAME (or undefined for anything else). */
export function refName(value: unknown, type: string): string | undefined {
  if (typeof value !== 'string') return undefined;
  const m = new RegExp(`^\\$\\{${type.replace(/[.]/g, '\\.')}\\.([^.}]+)\\.(id|arn|name)\\}$`).exec(value);
  return m?.[1];
}

const isExpr = (v: unknown) => typeof v === 'string' && v.includes('${');

function portRange(from: unknown, to: unknown): [number, number] {
  const f = typeof from === 'number' ? from : Number(from ?? -1);
  const t = typeof to === 'number' ? to : Number(to ?? -1);
  // -1 / 0-0 with protocol -1 means every port.
  if (f === -1 || t === -1 || (f === 0 && t === 0)) return [0, 65535];
  return [f, t];
}

function each(json: Json, type: string): Array<[string, Json]> {
  return Object.entries((json?.resource?.[type] ?? {}) as Record<string, Json>);
}

/** Read the network model out of a synthesized stack. */
export function networkModel(json: Json): NetworkModel {
  const unresolved: string[] = [];
  const sgNames = new Map(each(json, 'aws_security_group').map(([n, g]) => [n, String(g.name ?? n)]));
  const sgRules: SgRule[] = [];
  const pushSg = (id: string, sg: string | undefined, direction: 'ingress' | 'egress', r: Json) => {
    if (!sg) { unresolved.push(`${id}: security group ${String(r.security_group_id)} is not a resource of this stack`); return; }
    const [from, to] = portRange(r.from_port, r.to_port);
    const cidrs = [r.cidr_ipv4, r.cidr_block, ...(r.cidr_blocks ?? [])].filter((c): c is string => typeof c === 'string');
    const refSg = refName(r.referenced_security_group_id ?? r.source_security_group_id, 'aws_security_group')
      ?? ((r.self === true) ? sg : undefined);
    const rule: SgRule = { id, sg, direction, protocol: String(r.ip_protocol ?? r.protocol ?? '-1').toLowerCase(), from, to, cidrs: cidrs.filter((c) => !isExpr(c)) };
    if (refSg) rule.refSg = refSg;
    for (const sgRef of r.security_groups ?? []) { const n = refName(sgRef, 'aws_security_group'); if (n) rule.refSg = n; }
    if (r.prefix_list_id || (r.prefix_list_ids ?? []).length) rule.unresolved = 'prefix list (outside the VPC)';
    if (cidrs.some(isExpr)) { rule.unresolved = `CIDR is an expression (${cidrs.find(isExpr)})`; unresolved.push(`${id}: ${rule.unresolved}`); }
    sgRules.push(rule);
  };
  for (const [n, r] of each(json, 'aws_vpc_security_group_ingress_rule')) pushSg(`aws_vpc_security_group_ingress_rule.${n}`, refName(r.security_group_id, 'aws_security_group'), 'ingress', r);
  for (const [n, r] of each(json, 'aws_vpc_security_group_egress_rule')) pushSg(`aws_vpc_security_group_egress_rule.${n}`, refName(r.security_group_id, 'aws_security_group'), 'egress', r);
  for (const [n, r] of each(json, 'aws_security_group_rule')) pushSg(`aws_security_group_rule.${n}`, refName(r.security_group_id, 'aws_security_group'), r.type === 'egress' ? 'egress' : 'ingress', r);
  for (const [n, g] of each(json, 'aws_security_group')) {
    for (const r of g.ingress ?? []) pushSg(`aws_security_group.${n} (inline)`, n, 'ingress', r);
    for (const r of g.egress ?? []) pushSg(`aws_security_group.${n} (inline)`, n, 'egress', r);
  }

  const subnets = new Map(each(json, 'aws_subnet').map(([n, s]) => [n, String(s.cidr_block)]));
  const subnetNacl = new Map<string, string>();
  for (const [, a] of each(json, 'aws_network_acl_association')) {
    const subnet = refName(a.subnet_id, 'aws_subnet');
    const nacl = refName(a.network_acl_id, 'aws_network_acl');
    if (subnet && nacl) subnetNacl.set(subnet, nacl);
  }
  const naclRules: NaclRule[] = [];
  const pushNacl = (id: string, nacl: string, egress: boolean, r: Json) => {
    const [from, to] = portRange(r.from_port, r.to_port);
    const rule: NaclRule = {
      id, nacl, egress,
      protocol: String(r.protocol ?? '-1').toLowerCase(),
      action: String(r.rule_action ?? r.action ?? 'allow').toLowerCase() === 'deny' ? 'deny' : 'allow',
      from, to,
    };
    const number = r.rule_number ?? r.rule_no;
    if (typeof number === 'number' || (typeof number === 'string' && /^\d+$/.test(number))) rule.number = Number(number);
    const cidr = r.cidr_block;
    if (typeof cidr === 'string' && !isExpr(cidr)) rule.cidr = cidr;
    const why = [rule.number === undefined ? `rule number is an expression (${String(number)})` : '', rule.cidr === undefined ? `CIDR is an expression (${String(cidr ?? r.ipv6_cidr_block)})` : ''].filter(Boolean).join('; ');
    if (why) {
      rule.unresolved = why;
      unresolved.push(`${id}: ${why}${rule.action === 'deny' ? ' (a DENY: evaluation may be wrong)' : ''}`);
    }
    naclRules.push(rule);
  };
  for (const [n, r] of each(json, 'aws_network_acl_rule')) {
    const nacl = refName(r.network_acl_id, 'aws_network_acl');
    if (nacl) pushNacl(`aws_network_acl_rule.${n}`, nacl, r.egress === true || r.egress === 'true', r);
  }
  for (const [n, acl] of each(json, 'aws_network_acl')) {
    for (const r of acl.ingress ?? []) pushNacl(`aws_network_acl.${n} (inline)`, n, false, r);
    for (const r of acl.egress ?? []) pushNacl(`aws_network_acl.${n} (inline)`, n, true, r);
    for (const s of acl.subnet_ids ?? []) { const sn = refName(s, 'aws_subnet'); if (sn) subnetNacl.set(sn, n); }
  }
  return { sgNames, sgRules, subnets, subnetNacl, naclRules, unresolved };
}

function protocolMatches(ruleProto: string, proto: Protocol): boolean {
  if (ruleProto === '-1' || ruleProto === 'all') return true;
  return ruleProto === proto || (proto === 'tcp' && ruleProto === '6') || (proto === 'udp' && ruleProto === '17');
}

const ipIn = (ip: string, cidr: string) => parseCidr(cidr) !== undefined && parseIpv4(ip) !== undefined && cidrContains(cidr, `${ip}/32`);

function sgAdmits(rules: SgRule[], sgs: string[], direction: 'ingress' | 'egress', peer: NetEndpoint, proto: Protocol, port: number): boolean {
  return rules.some((r) => sgs.includes(r.sg) && r.direction === direction && protocolMatches(r.protocol, proto) && r.from <= port && port <= r.to
    && ((r.refSg !== undefined && peer.sgs.includes(r.refSg)) || r.cidrs.some((c) => ipIn(peer.ip, c))));
}

/**
 * The ACL's verdict for packets to/from `peerIp` on ports [lo, hi]: the ports no rule admits
 * (first match by rule number; rules with unresolvable numbers or CIDRs are skipped), as ranges.
 */
export function naclDeniedPorts(rules: NaclRule[], nacl: string, egress: boolean, peerIp: string, proto: Protocol, lo: number, hi: number): Array<{ from: number; to: number; by: string }> {
  const ordered = rules
    .filter((r) => r.nacl === nacl && r.egress === egress && r.number !== undefined && r.cidr !== undefined && protocolMatches(r.protocol, proto) && ipIn(peerIp, r.cidr))
    .sort((a, b) => a.number! - b.number!);
  // Evaluate once per segment between rule boundaries: every port in a segment meets the same rules.
  const cuts = new Set<number>([lo, hi + 1]);
  for (const r of ordered) for (const p of [r.from, r.to + 1]) if (p > lo && p <= hi) cuts.add(p);
  const points = [...cuts].sort((a, b) => a - b);
  const denied: Array<{ from: number; to: number; by: string }> = [];
  for (let i = 0; i + 1 < points.length; i++) {
    const port = points[i]!;
    const hit = ordered.find((r) => r.from <= port && port <= r.to);
    if (hit?.action === 'allow') continue;
    const by = hit ? `rule ${hit.number} (deny)` : 'no rule (implicit deny *)';
    const last = denied.at(-1);
    if (last && last.to === port - 1 && last.by === by) last.to = points[i + 1]! - 1;
    else denied.push({ from: port, to: points[i + 1]! - 1, by });
  }
  return denied;
}

const ranges = (d: Array<{ from: number; to: number; by: string }>) => d.map((x) => `${x.from === x.to ? x.from : `${x.from}-${x.to}`} by ${x.by}`).join(', ');

/** May `src` open `proto`/`port` to `dst`, and do the replies get back? */
export function evaluateFlow(model: NetworkModel, src: NetEndpoint, dst: NetEndpoint, proto: Protocol, port: number, ephemeral: readonly [number, number] = LINUX_EPHEMERAL): FlowVerdict {
  const reasons: string[] = [];
  if (src.host === dst.host) return { allowed: true, reasons };
  const name = (sgs: string[]) => sgs.map((s) => model.sgNames.get(s) ?? s).join(',') || '(none)';
  if (!sgAdmits(model.sgRules, src.sgs, 'egress', dst, proto, port)) reasons.push(`security group ${name(src.sgs)} has no egress rule for ${proto}/${port} to ${dst.host} (${name(dst.sgs)}, ${dst.ip})`);
  if (!sgAdmits(model.sgRules, dst.sgs, 'ingress', src, proto, port)) reasons.push(`security group ${name(dst.sgs)} has no ingress rule for ${proto}/${port} from ${src.host} (${name(src.sgs)}, ${src.ip})`);
  // NACLs filter only traffic that leaves one subnet for another.
  if (src.subnet !== dst.subnet) {
    const srcAcl = model.subnetNacl.get(src.subnet);
    const dstAcl = model.subnetNacl.get(dst.subnet);
    const check = (acl: string | undefined, egress: boolean, peer: string, lo: number, hi: number, what: string) => {
      if (!acl) return; // the VPC's default NACL allows everything
      const denied = naclDeniedPorts(model.naclRules, acl, egress, peer, proto, lo, hi);
      if (denied.length) reasons.push(`NACL ${acl} ${egress ? 'egress' : 'ingress'} ${what}: ports ${ranges(denied)}`);
    };
    check(srcAcl, true, dst.ip, port, port, `${src.host} -> ${dst.host}:${port}`);
    check(dstAcl, false, src.ip, port, port, `${dst.host} <- ${src.host}:${port}`);
    // Replies: stateless ACLs see them as new packets to the client's ephemeral port. UDP feeds
    // are one-way, so only TCP needs the return path.
    if (proto === 'tcp') {
      check(dstAcl, true, src.ip, ephemeral[0], ephemeral[1], `reply ${dst.host} -> ${src.host} (ephemeral)`);
      check(srcAcl, false, dst.ip, ephemeral[0], ephemeral[1], `reply ${src.host} <- ${dst.host} (ephemeral)`);
    }
  }
  return { allowed: reasons.length === 0, reasons };
}

/** Which security-group ingress rules open a port to another tier (for the listener check). */
export function ingressPorts(model: NetworkModel, sg: string): Array<{ rule: SgRule; from: string }> {
  return model.sgRules
    .filter((r) => r.sg === sg && r.direction === 'ingress')
    .map((r) => ({ rule: r, from: r.refSg ? (model.sgNames.get(r.refSg) ?? r.refSg) : r.cidrs.join(',') || (r.unresolved ?? '?') }));
}
