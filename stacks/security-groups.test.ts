import { SecurityGroups, type SecurityGroupsProps } from './security-groups.js';
import { VpcSecurityGroupIngressRule } from './aws.js';
import { resourcesOf, synthScope, type Json, type Synthesized } from './test-support.js';

const props: SecurityGroupsProps = {
  name: 'dsm-test',
  vpcId: 'vpc-123',
  ports: { client: 4222, cluster: 6222, monitor: 8222, prometheus: 9464 },
  feedPorts: [{ exchange: 'NYSE', protocol: 'udp', port: 26400 }],
  feedPrefixes: ['192.0.2.0/24'],
  s3PrefixListId: 'pl-63a5400a',
};

const sg = (tier: string) => '${aws_security_group.groups_' + tier + '_' ;

describe('SecurityGroups', () => {
  let out: Synthesized;
  let ingress: Json[];
  let egress: Json[];
  beforeAll(() => {
    out = synthScope((s) => new SecurityGroups(s, 'groups', props));
    ingress = resourcesOf(out.json, 'aws_vpc_security_group_ingress_rule').map(([, p]) => p);
    egress = resourcesOf(out.json, 'aws_vpc_security_group_egress_rule').map(([, p]) => p);
  });

  const from = (rules: Json[], port: number, target: string) => rules.filter((r) => r.from_port === port && r.security_group_id.startsWith(sg(target)));

  it('creates one group per tier with no inline rules', () => {
    const groups = resourcesOf(out.json, 'aws_security_group').map(([, p]) => p);
    expect(groups.map((g) => g.name).sort()).toEqual(['dsm-test-endpoints', 'dsm-test-ingestion', 'dsm-test-monitoring', 'dsm-test-nats', 'dsm-test-subscribers']);
    expect(groups.every((g) => g.ingress === undefined && g.egress === undefined && g.vpc_id === 'vpc-123')).toBe(true);
  });

  it('opens the NATS client port to the client tiers and to the NATS hosts\' own metrics agents, by group reference', () => {
    const client = from(ingress, 4222, 'nats').map((r) => r.referenced_security_group_id as string);
    expect(client).toHaveLength(4);
    expect(client.map((r) => r.split('_')[3]).sort()).toEqual(['ingestion', 'monitoring', 'nats', 'subscribers']);
    // The agent's side: NATS hosts may open client connections to NATS hosts.
    expect(from(egress, 4222, 'nats').map((r) => r.referenced_security_group_id.split('_')[3])).toEqual(['nats']);
  });

  it('opens Prometheus (9464) where the metrics agent listens, the NATS hosts, to monitoring only', () => {
    const prom = ingress.filter((r) => r.from_port <= 9464 && r.to_port >= 9464);
    expect(prom).toHaveLength(1);
    expect(prom[0].security_group_id).toMatch(/^\$\{aws_security_group\.groups_nats_/);
    expect(prom[0].referenced_security_group_id).toMatch(/^\$\{aws_security_group\.groups_monitoring_/);
    const scrape = egress.filter((r) => r.from_port === 9464);
    expect(scrape.map((r) => [r.security_group_id.split('_')[3], r.referenced_security_group_id.split('_')[3]])).toEqual([['monitoring', 'nats']]);
  });

  it('opens routes only within the NATS group and monitoring only from monitoring', () => {
    const routes = ingress.filter((r) => r.from_port <= 6222 && r.to_port >= 6222);
    expect(routes).toHaveLength(1);
    expect(routes[0].security_group_id).toMatch(/^\$\{aws_security_group\.groups_nats_/);
    expect(routes[0].referenced_security_group_id).toBe(routes[0].security_group_id);
    const monitor = ingress.filter((r) => r.from_port === 8222);
    expect(monitor).toHaveLength(1);
    expect(monitor[0].referenced_security_group_id).toMatch(/^\$\{aws_security_group\.groups_monitoring_/);
  });

  it('admits feeds only from the exchange prefixes on the feed port', () => {
    expect(out.text).toHaveResourceWithProperties(VpcSecurityGroupIngressRule, { ip_protocol: 'udp', from_port: 26400, to_port: 26400, cidr_ipv4: '192.0.2.0/24' });
    expect(ingress.filter((r) => r.cidr_ipv4 !== undefined)).toHaveLength(1);
  });

  it('lists every egress path explicitly, none to a CIDR', () => {
    expect(egress.every((r) => r.cidr_ipv4 === undefined && r.cidr_ipv6 === undefined)).toBe(true);
    expect(egress.filter((r) => r.prefix_list_id === 'pl-63a5400a')).toHaveLength(4);
    expect(from(egress, 6222, 'nats')).toHaveLength(1);
    expect(egress.filter((r) => r.from_port === 443 && r.referenced_security_group_id?.startsWith(sg('endpoints')))).toHaveLength(4);
  });

  it('never opens SSH', () => {
    expect([...ingress, ...egress].some((r) => r.from_port <= 22 && r.to_port >= 22)).toBe(false);
  });
});
