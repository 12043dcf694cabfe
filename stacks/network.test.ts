import { Network, type NetworkProps } from './network.js';
import { PlacementGroup, Subnet, Vpc } from './aws.js';
import { resourcesOf, synthScope, type Synthesized } from './test-support.js';

const base: NetworkProps = {
  name: 'dsm-test',
  vpcCidr: '10.40.0.0/16',
  az: 'us-east-1a',
  natsSubnets: [
    { nodeName: 'nats-1', cidr: '10.40.1.0/24', az: 'us-east-1a' },
    { nodeName: 'nats-2', cidr: '10.40.2.0/24', az: 'us-east-1a' },
    { nodeName: 'nats-3', cidr: '10.40.3.0/24', az: 'us-east-1a' },
  ],
  ingestionCidr: '10.40.10.0/24',
  subscribersCidr: '10.40.20.0/22',
  endpointsCidr: '10.40.30.0/24',
};

describe('Network', () => {
  let oneAz: Synthesized;
  let spread: Synthesized;
  beforeAll(() => {
    oneAz = synthScope((s) => new Network(s, 'net', base));
    spread = synthScope((s) => new Network(s, 'net', {
      ...base,
      natsSubnets: base.natsSubnets.map((n, i) => ({ ...n, az: ['us-east-1a', 'us-east-1b', 'us-east-1c'][i]! })),
    }));
  });

  it('creates a DNS-enabled VPC with the configured CIDR', () => {
    expect(oneAz.text).toHaveResourceWithProperties(Vpc, { cidr_block: '10.40.0.0/16', enable_dns_support: true, enable_dns_hostnames: true });
  });

  it('puts every subnet in the one AZ by default, none with public IPs', () => {
    const subnets = resourcesOf(oneAz.json, 'aws_subnet').map(([, p]) => p);
    expect(subnets.map((s) => s.cidr_block).sort()).toEqual(['10.40.1.0/24', '10.40.10.0/24', '10.40.2.0/24', '10.40.20.0/22', '10.40.3.0/24', '10.40.30.0/24']);
    expect(new Set(subnets.map((s) => s.availability_zone))).toEqual(new Set(['us-east-1a']));
    expect(subnets.every((s) => s.map_public_ip_on_launch === false)).toBe(true);
  });

  it('has no internet or NAT gateway and no routes beyond local', () => {
    expect(oneAz.json.resource.aws_internet_gateway).toBeUndefined();
    expect(oneAz.json.resource.aws_nat_gateway).toBeUndefined();
    expect(oneAz.json.resource.aws_route).toBeUndefined();
    for (const [, rt] of resourcesOf(oneAz.json, 'aws_route_table')) expect(rt.route).toBeUndefined();
  });

  it('gives ingestion its own route table and shares one for the rest', () => {
    const assoc = resourcesOf(oneAz.json, 'aws_route_table_association').map(([, p]) => p.route_table_id as string);
    expect(assoc.filter((r) => r.includes('ingestion-rt'))).toHaveLength(1);
    expect(assoc.filter((r) => r.includes('private-rt'))).toHaveLength(5);
  });

  it('creates one cluster placement group, used by NATS too when in one AZ', () => {
    expect(oneAz.text).toHaveResourceWithProperties(PlacementGroup, { name: 'dsm-test-cluster', strategy: 'cluster' });
    expect(resourcesOf(oneAz.json, 'aws_placement_group')).toHaveLength(1);
  });

  it('spreads NATS subnets over AZs with a spread placement group when asked', () => {
    const nats = resourcesOf(spread.json, 'aws_subnet').filter(([, p]) => p.tags['dsm:tier'] === 'nats').map(([, p]) => p.availability_zone);
    expect(nats).toEqual(['us-east-1a', 'us-east-1b', 'us-east-1c']);
    expect(spread.text).toHaveResourceWithProperties(PlacementGroup, { name: 'dsm-test-nats-spread', strategy: 'spread' });
    expect(spread.text).toHaveResourceWithProperties(Subnet, { cidr_block: '10.40.10.0/24', availability_zone: 'us-east-1a' });
  });
});
