import { evaluateFlow, naclDeniedPorts, networkModel, type NetEndpoint } from './network.js';

const sg = (n: string) => '${aws_security_group.' + n + '.id}';
const acl = (n: string) => '${aws_network_acl.' + n + '.id}';
const subnet = (n: string) => '${aws_subnet.' + n + '.id}';

/** Two tiers in two subnets: app (10.0.1.0/24) -> db (10.0.2.0/24) on tcp/5432. */
function stack(over: { appEgress?: boolean; dbIngress?: boolean; dbAclIn?: object[]; dbAclOut?: object[]; appAclIn?: object[]; appAclOut?: object[] } = {}) {
  const rules: Record<string, object> = {};
  const allow = (n: number, egress: boolean, nacl: string, cidr: string, from: number, to: number, action = 'allow', protocol = 'tcp') => ({ network_acl_id: acl(nacl), rule_number: n, egress, protocol, rule_action: action, cidr_block: cidr, from_port: from, to_port: to });
  const add = (prefix: string, list: object[]) => list.forEach((r, i) => { rules[`${prefix}-${i}`] = r; });
  add('app-out', over.appAclOut ?? [allow(100, true, 'app', '10.0.2.0/24', 5432, 5432)]);
  add('app-in', over.appAclIn ?? [allow(100, false, 'app', '10.0.0.0/16', 32768, 65535)]);
  add('db-in', over.dbAclIn ?? [allow(100, false, 'db', '10.0.1.0/24', 5432, 5432)]);
  add('db-out', over.dbAclOut ?? [allow(100, true, 'db', '10.0.0.0/16', 32768, 65535)]);
  return {
    resource: {
      aws_security_group: { app: { name: 'app-sg' }, db: { name: 'db-sg' } },
      aws_vpc_security_group_egress_rule: over.appEgress === false ? {} : { out: { security_group_id: sg('app'), referenced_security_group_id: sg('db'), ip_protocol: 'tcp', from_port: 5432, to_port: 5432 } },
      aws_vpc_security_group_ingress_rule: over.dbIngress === false ? {} : { in: { security_group_id: sg('db'), referenced_security_group_id: sg('app'), ip_protocol: 'tcp', from_port: 5432, to_port: 5432 } },
      aws_subnet: { a: { cidr_block: '10.0.1.0/24' }, d: { cidr_block: '10.0.2.0/24' } },
      aws_network_acl: { app: {}, db: {} },
      aws_network_acl_association: { x: { network_acl_id: acl('app'), subnet_id: subnet('a') }, y: { network_acl_id: acl('db'), subnet_id: subnet('d') } },
      aws_network_acl_rule: rules,
    },
  };
}

const app: NetEndpoint = { host: 'app-1', ip: '10.0.1.10', subnet: 'a', sgs: ['app'] };
const db: NetEndpoint = { host: 'db-1', ip: '10.0.2.10', subnet: 'd', sgs: ['db'] };

describe('flow evaluation: security groups and NACLs from stack JSON', () => {
  it('allows a flow both SGs and both NACLs admit, replies included', () => {
    expect(evaluateFlow(networkModel(stack()), app, db, 'tcp', 5432)).toEqual({ allowed: true, reasons: [] });
  });

  it('denies when the source SG has no egress rule, or the destination SG no ingress rule', () => {
    const v1 = evaluateFlow(networkModel(stack({ appEgress: false })), app, db, 'tcp', 5432);
    expect(v1.allowed).toBe(false);
    expect(v1.reasons).toEqual(['security group app-sg has no egress rule for tcp/5432 to db-1 (db-sg, 10.0.2.10)']);
    const v2 = evaluateFlow(networkModel(stack({ dbIngress: false })), app, db, 'tcp', 5432);
    expect(v2.reasons).toEqual(['security group db-sg has no ingress rule for tcp/5432 from app-1 (app-sg, 10.0.1.10)']);
  });

  it('a port the rules do not cover is denied (SG and NACL alike)', () => {
    const v = evaluateFlow(networkModel(stack()), app, db, 'tcp', 5433);
    expect(v.allowed).toBe(false);
    expect(v.reasons.join('\n')).toMatch(/no egress rule for tcp\/5433/);
    expect(v.reasons.join('\n')).toMatch(/NACL app egress app-1 -> db-1:5433: ports 5433 by no rule \(implicit deny \*\)/);
  });

  it('NACL: a deny with a lower rule number wins over a later allow', () => {
    const denyFirst = [
      { network_acl_id: acl('db'), rule_number: 90, egress: false, protocol: 'tcp', rule_action: 'deny', cidr_block: '10.0.1.0/24', from_port: 5432, to_port: 5432 },
      { network_acl_id: acl('db'), rule_number: 100, egress: false, protocol: 'tcp', rule_action: 'allow', cidr_block: '10.0.1.0/24', from_port: 5432, to_port: 5432 },
    ];
    const v = evaluateFlow(networkModel(stack({ dbAclIn: denyFirst })), app, db, 'tcp', 5432);
    expect(v.allowed).toBe(false);
    expect(v.reasons).toEqual(['NACL db ingress db-1 <- app-1:5432: ports 5432 by rule 90 (deny)']);
    // The same rules the other way round (allow first) let it through: order, not presence, decides.
    const allowFirst = denyFirst.map((r) => ({ ...r, rule_number: r.rule_action === 'deny' ? 110 : 100 }));
    expect(evaluateFlow(networkModel(stack({ dbAclIn: allowFirst })), app, db, 'tcp', 5432).allowed).toBe(true);
  });

  it('NACL: replies need the ephemeral range back, all of it (Linux 32768-60999)', () => {
    const noReturn = evaluateFlow(networkModel(stack({ dbAclOut: [] })), app, db, 'tcp', 5432);
    expect(noReturn.reasons).toEqual(['NACL db egress reply db-1 -> app-1 (ephemeral): ports 32768-60999 by no rule (implicit deny *)']);
    // Returns opened only from 49152 (the IANA range): Linux clients below it are cut off.
    const partial = evaluateFlow(networkModel(stack({ appAclIn: [{ network_acl_id: acl('app'), rule_number: 100, egress: false, protocol: 'tcp', rule_action: 'allow', cidr_block: '10.0.0.0/16', from_port: 49152, to_port: 65535 }] })), app, db, 'tcp', 5432);
    expect(partial.reasons).toEqual(['NACL app ingress reply app-1 <- db-1 (ephemeral): ports 32768-49151 by no rule (implicit deny *)']);
    // A deny carved out of the middle of the range, numbered before the allow.
    const carved = evaluateFlow(networkModel(stack({ dbAclOut: [
      { network_acl_id: acl('db'), rule_number: 50, egress: true, protocol: 'tcp', rule_action: 'deny', cidr_block: '10.0.1.0/24', from_port: 40000, to_port: 40010 },
      { network_acl_id: acl('db'), rule_number: 100, egress: true, protocol: '-1', rule_action: 'allow', cidr_block: '10.0.0.0/16', from_port: 0, to_port: 0 },
    ] })), app, db, 'tcp', 5432);
    expect(carved.reasons).toEqual(['NACL db egress reply db-1 -> app-1 (ephemeral): ports 40000-40010 by rule 50 (deny)']);
  });

  it('UDP needs no return path; hosts in one subnet skip the NACLs; a host reaches itself', () => {
    const m = networkModel(stack({ dbAclOut: [] }));
    expect(naclDeniedPorts(m.naclRules, 'db', true, '10.0.1.10', 'tcp', 32768, 60999)).toHaveLength(1);
    const sameSubnet: NetEndpoint = { ...db, host: 'app-2', ip: '10.0.1.11', subnet: 'a' };
    const m2 = networkModel(stack({ appAclOut: [], appAclIn: [] }));
    expect(evaluateFlow(m2, app, { ...sameSubnet, sgs: ['db'] }, 'tcp', 5432).allowed).toBe(true);
    expect(evaluateFlow(m2, app, app, 'tcp', 1).allowed).toBe(true);
  });

  it('expressions it cannot evaluate are listed, not guessed', () => {
    const s = stack();
    (s.resource.aws_network_acl_rule as Record<string, object>).s3 = { network_acl_id: acl('db'), rule_number: '${(900 + index(x, each.value))}', egress: false, protocol: 'tcp', rule_action: 'allow', cidr_block: '${each.value}', from_port: 443, to_port: 443 };
    const m = networkModel(s);
    expect(m.unresolved).toEqual([expect.stringContaining('aws_network_acl_rule.s3: rule number is an expression')]);
    expect(evaluateFlow(m, app, db, 'tcp', 5432).allowed).toBe(true);
  });
});
