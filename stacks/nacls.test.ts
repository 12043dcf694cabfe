import { Nacls, type NaclsProps } from './nacls.js';
import { naclRules, EPHEMERAL, type NaclRule } from './nacl-rules.js';
import { NetworkAclRule } from './aws.js';
import { resourcesOf, synthScope, type Json, type Synthesized } from './test-support.js';

const props: NaclsProps = {
  name: 'dsm-test',
  vpcId: 'vpc-1',
  subnetIds: { nats: ['sn-n1', 'sn-n2', 'sn-n3'], ingestion: ['sn-i'], subscribers: ['sn-s'], endpoints: ['sn-e'] },
  s3Cidrs: ['16.182.0.0/16', '52.216.0.0/15'],
  vpcCidr: '10.40.0.0/16',
  natsCidrs: ['10.40.1.0/24', '10.40.2.0/24', '10.40.3.0/24'],
  ingestionCidr: '10.40.10.0/24',
  subscribersCidr: '10.40.20.0/22',
  endpointsCidr: '10.40.30.0/24',
  ports: { client: 4222, cluster: 6222, monitor: 8222, prometheus: 9464 },
  feedPorts: [{ exchange: 'NYSE', protocol: 'udp', port: 26400 }],
  feedPrefixes: ['192.0.2.0/24', '198.51.100.0/24'],
};

const covers = (r: NaclRule, port: number) => r.fromPort <= port && r.toPort >= port;

describe('naclRules', () => {
  const rules = naclRules(props);

  it('admits the NATS client port only from the client tiers and the NATS subnets (metrics agents)', () => {
    const client = rules.nats.filter((r) => !r.egress && r.fromPort === 4222);
    expect(client.map((r) => r.cidr).sort()).toEqual([...props.natsCidrs, '10.40.10.0/24', '10.40.20.0/22', '10.40.30.0/24'].sort());
    expect(rules.nats.filter((r) => r.egress && r.fromPort === 4222).map((r) => r.cidr)).toEqual(props.natsCidrs);
  });

  it('admits Prometheus (9464) on the NATS subnets only, from the monitoring hosts', () => {
    const prom = Object.entries(rules).flatMap(([tier, rs]) => rs.filter((r) => covers(r, 9464) && r.fromPort !== EPHEMERAL.from).map((r) => [tier, r.egress, r.cidr]));
    expect(prom).toEqual([
      ['nats', false, '10.40.30.0/24'],
      ...props.natsCidrs.map((c) => ['endpoints', true, c]),
    ]);
  });

  it('admits routes (6222) only from NATS subnets, in every tier', () => {
    for (const tierRules of Object.values(rules)) {
      const route = tierRules.filter((r) => !r.egress && covers(r, 6222) && r.fromPort !== EPHEMERAL.from);
      for (const r of route) expect(props.natsCidrs).toContain(r.cidr);
    }
    expect(rules.nats.filter((r) => !r.egress && r.fromPort === 6222).map((r) => r.cidr)).toEqual(props.natsCidrs);
  });

  it('admits monitoring (8222) only from the monitoring hosts subnet', () => {
    expect(rules.nats.filter((r) => !r.egress && covers(r, 8222))).toEqual([
      { ruleNumber: 300, egress: false, protocol: 'tcp', fromPort: 8222, toPort: 8222, cidr: '10.40.30.0/24', why: 'NATS monitoring from the monitoring hosts' },
    ]);
  });

  it('admits feeds only on ingestion, only from the exchange prefixes', () => {
    const feeds = rules.ingestion.filter((r) => r.protocol === 'udp');
    expect(feeds.map((r) => [r.cidr, r.fromPort])).toEqual([['192.0.2.0/24', 26400], ['198.51.100.0/24', 26400]]);
    for (const tier of ['nats', 'subscribers', 'endpoints'] as const) expect(rules[tier].some((r) => r.protocol === 'udp')).toBe(false);
  });

  it('keeps ephemeral ranges clear of every service port and inside the VPC', () => {
    for (const port of [4222, 6222, 8222, 9464, 26400, 443]) expect(port < EPHEMERAL.from).toBe(true);
    const eph = Object.values(rules).flat().filter((r) => r.fromPort === EPHEMERAL.from);
    expect(eph.every((r) => r.cidr === '10.40.0.0/16' && r.toPort === 65535)).toBe(true);
  });

  it('never reuses a rule number within a tier and direction, up to 5 nodes', () => {
    const five = naclRules({ ...props, natsCidrs: ['10.40.1.0/24', '10.40.2.0/24', '10.40.3.0/24', '10.40.4.0/24', '10.40.5.0/24'] });
    for (const tierRules of Object.values(five)) {
      for (const egress of [true, false]) {
        const numbers = tierRules.filter((r) => r.egress === egress).map((r) => r.ruleNumber);
        expect(new Set(numbers).size).toBe(numbers.length);
        expect(Math.max(...numbers)).toBeLessThan(900);
      }
    }
  });

  it('stays within the default 20 rules per direction with 5 nodes (S3 adds up to 4)', () => {
    const five = naclRules({ ...props, natsCidrs: ['10.40.1.0/24', '10.40.2.0/24', '10.40.3.0/24', '10.40.4.0/24', '10.40.5.0/24'] });
    for (const tierRules of Object.values(five)) {
      expect(tierRules.filter((r) => !r.egress).length + 4).toBeLessThanOrEqual(20);
      expect(tierRules.filter((r) => r.egress).length + 4).toBeLessThanOrEqual(20);
    }
  });
});

describe('Nacls', () => {
  let out: Synthesized;
  let rules: Json[];
  beforeAll(() => {
    out = synthScope((s) => new Nacls(s, 'nacls', props));
    rules = resourcesOf(out.json, 'aws_network_acl_rule').map(([, p]) => p);
  });

  it('creates one ACL per tier and associates every subnet', () => {
    expect(resourcesOf(out.json, 'aws_network_acl')).toHaveLength(4);
    const assoc = resourcesOf(out.json, 'aws_network_acl_association').map(([, p]) => p.subnet_id).sort();
    expect(assoc).toEqual(['sn-e', 'sn-i', 'sn-n1', 'sn-n2', 'sn-n3', 'sn-s']);
  });

  it('numbers rules by purpose: client tiers 100s, per node 200s, services 300, returns 400, feeds 500', () => {
    const natsIn = rules.filter((r) => !r.egress && String(r.network_acl_id).includes('aws_network_acl.nacls_nats_') && typeof r.rule_number === 'number');
    expect(natsIn.map((r) => r.rule_number)).toEqual([100, 110, 120, 200, 210, 220, 250, 260, 270, 300, 310, 400, 900, 901, 902, 903]);
    expect(out.text).toHaveResourceWithProperties(NetworkAclRule, { rule_number: 500, egress: false, protocol: 'udp', from_port: 26400, cidr_block: '192.0.2.0/24', rule_action: 'allow' });
    expect(out.text).toHaveResourceWithProperties(NetworkAclRule, { rule_number: 501, egress: false, protocol: 'udp', from_port: 26400, cidr_block: '198.51.100.0/24' });
  });

  it('keeps every existing rule (same id, same number) when the cluster grows to 5 nodes', () => {
    const five = synthScope((s) => new Nacls(s, 'nacls', {
      ...props, natsCidrs: [...props.natsCidrs, '10.40.4.0/24', '10.40.5.0/24'], subnetIds: { ...props.subnetIds, nats: ['sn-n1', 'sn-n2', 'sn-n3', 'sn-n4', 'sn-n5'] },
    }));
    const before = resourcesOf(out.json, 'aws_network_acl_rule');
    const after = new Map(resourcesOf(five.json, 'aws_network_acl_rule'));
    for (const [id, rule] of before) expect(after.get(id)).toEqual(rule);
    // Two new nodes: routes in/out and agent clients in/out on NATS, client (4222) out from the
    // ingestion and subscriber tiers, HTTPS in and client/monitor/Prometheus out on the endpoints tier.
    expect(after.size - before.length).toBe(2 * 4 + 2 * 2 + 2 * 4);
  });

  it('opens S3 HTTPS and its returns over the prefix list CIDRs in fixed slots, nothing wider', () => {
    const s3 = rules.filter((r) => r.rule_number >= 900);
    expect(s3).toHaveLength(4 * 2 * 4); // 4 tiers, both directions, 4 slots
    expect(s3.every((r) => r.for_each === undefined && typeof r.rule_number === 'number')).toBe(true);
    const natsOut = s3.filter((r) => r.egress && String(r.network_acl_id).includes('nacls_nats_'));
    // Slot k holds element k of the sorted list: a rule number never follows the list's order.
    expect(natsOut.map((r) => [r.rule_number, r.cidr_block])).toEqual([0, 1, 2, 3].map((k) => [900 + k, `\${element(sort(["16.182.0.0/16", "52.216.0.0/15"]), ${k})}`]));
    expect(natsOut[0].lifecycle.precondition[0].condition).toBe('${(length(["16.182.0.0/16", "52.216.0.0/15"]) <= 4)}');
    expect(s3.filter((r) => r.egress).every((r) => r.from_port === 443 && r.to_port === 443)).toBe(true);
    expect(rules.every((r) => r.rule_action === 'allow' && r.cidr_block !== '0.0.0.0/0')).toBe(true);
  });
});
