import { ConfigError, loadConfig, validateConfig } from './load.js';
import { localConfig } from './local.js';
import { prodConfig } from './prod.js';
import { cidrContains, cidrsOverlap, hostInCidr, parseCidr } from './cidr.js';
import { clientUrls, natsNodes } from './topology.js';
import type { DsmConfigInput } from './schema.js';

function problems(input: DsmConfigInput): string[] {
  try {
    validateConfig(input, 'test');
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

const aws = prodConfig.aws!;

describe('environment configs', () => {
  it('local and prod validate, with defaults filled in', () => {
    const local = loadConfig('local');
    expect(local.nats.nodes).toBe(3);
    expect(local.nats.limits.writeDeadline).toBe('2s');
    expect(local.subjects).toEqual({ dataSuffix: 'orderbook', controlPrefix: '_DSM' });
    const prod = loadConfig('prod');
    expect(prod.aws?.az).toBe('us-east-1a');
    expect(prod.autoscaling?.targetMsgsPerInstance).toBe(200_000);
  });

  it('names the field and the reason for a bad node count', () => {
    expect(problems({ ...localConfig, nats: { ...localConfig.nats, nodes: 4 } })).toEqual(['nats.nodes: must be 3 or 5, got 4']);
  });

  it('rejects an unknown environment with the list of known ones', () => {
    expect(() => loadConfig('staging')).toThrow(/env: unknown environment, expected one of local, prod, got "staging"/);
  });

  it('reports overlapping CIDRs, subnets outside the VPC and instance types without ENA', () => {
    const bad = problems({
      ...prodConfig,
      aws: { ...aws, subnets: { ...aws.subnets, ingestion: '10.40.1.0/24', endpoints: '10.99.0.0/24' }, instanceTypes: { ...aws.instanceTypes, nats: 't2.large' } },
    });
    expect(bad).toContain('aws.subnets.ingestion: 10.40.1.0/24 overlaps aws.subnets.nats.0 (10.40.1.0/24)');
    expect(bad).toContain('aws.subnets.endpoints: 10.99.0.0/24 is outside the VPC 10.40.0.0/16');
    expect(bad.some((p) => p.startsWith('aws.instanceTypes.nats: t2.large is not an ENA instance type'))).toBe(true);
  });

  it('requires one NATS subnet per node and entitlements naming configured exchanges', () => {
    const bad = problems({
      ...prodConfig,
      nats: { ...prodConfig.nats, nodes: 5 },
      identities: [...prodConfig.identities, { name: 'sub-lse', role: 'subscriber', exchanges: ['LSE'] }],
    });
    expect(bad).toContain('aws.subnets.nats: must list one subnet per NATS node (5), got 3');
    expect(bad.some((p) => p.startsWith('identities.4.exchanges.0: unknown exchange LSE'))).toBe(true);
  });

  it('validates field types with the path', () => {
    expect(problems({ ...localConfig, nats: { ...localConfig.nats, ports: { client: 70000, cluster: 6222, monitor: 8222 } } }))
      .toEqual(['nats.ports.client: Too big: expected number to be <=65535, got 70000']);
    expect(problems({ ...localConfig, exchanges: [{ ...localConfig.exchanges[0]!, name: 'nasdaq.x' }] })[0])
      .toMatch(/^exchanges\.0\.name: must be 1-32 characters of A-Z, 0-9, _ or -, got "nasdaq\.x"/);
  });
});

describe('CIDR arithmetic', () => {
  it('parses, contains and overlaps exactly', () => {
    expect(parseCidr('10.0.0.0/8')).toEqual({ base: 167772160, prefix: 8, size: 16777216 });
    expect(parseCidr('10.0.0.1/8')).toBeUndefined();
    expect(parseCidr('300.0.0.0/8')).toBeUndefined();
    expect(cidrContains('10.40.0.0/16', '10.40.255.0/24')).toBe(true);
    expect(cidrContains('10.40.0.0/16', '10.41.0.0/24')).toBe(false);
    expect(cidrsOverlap('10.40.0.0/22', '10.40.3.0/24')).toBe(true);
    expect(cidrsOverlap('10.40.0.0/24', '10.40.1.0/24')).toBe(false);
    expect(hostInCidr('10.40.2.0/24', 10)).toBe('10.40.2.10');
    expect(() => hostInCidr('10.40.2.0/24', 2)).toThrow(/not usable/);
  });
});

describe('topology', () => {
  it('puts loopback nodes on 127.0.0.1 with offset ports', () => {
    const nodes = natsNodes(loadConfig('local'));
    expect(nodes.map((n) => [n.name, n.ip, n.clientPort, n.clusterPort, n.monitorPort])).toEqual([
      ['nats-1', '127.0.0.1', 4222, 6222, 8222], ['nats-2', '127.0.0.1', 4223, 6223, 8223], ['nats-3', '127.0.0.1', 4224, 6224, 8224],
    ]);
  });

  it('puts AWS nodes at the 10th host of their subnet, with DNS names in the private zone', () => {
    const cfg = loadConfig('prod');
    expect(natsNodes(cfg).map((n) => [n.dnsName, n.ip, n.az])).toEqual([
      ['nats-1.dsm.internal', '10.40.1.10', 'us-east-1a'], ['nats-2.dsm.internal', '10.40.2.10', 'us-east-1a'], ['nats-3.dsm.internal', '10.40.3.10', 'us-east-1a'],
    ]);
    expect(clientUrls(cfg)).toEqual(['tls://nats-1.dsm.internal:4222', 'tls://nats-2.dsm.internal:4222', 'tls://nats-3.dsm.internal:4222']);
  });
});
