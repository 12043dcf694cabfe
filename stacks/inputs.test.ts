import { prodConfig } from '../config/prod.js';
import { loadConfig, validateConfig } from '../config/load.js';
import { partitionOf, platformInputs } from './inputs.js';
import { allTlsParameters, serverParameters, tlsKeyAlias } from '../config/tls-layout.js';

describe('platformInputs', () => {
  const prod = platformInputs(loadConfig('prod'));

  it('derives names, placement and ports from the prod config', () => {
    expect(prod.name).toBe('dsm-prod');
    expect(prod.nats.nodes.map((n) => [n.name, n.ip, n.subnetCidr, n.az])).toEqual([
      ['nats-1', '10.40.1.10', '10.40.1.0/24', 'us-east-1a'], ['nats-2', '10.40.2.10', '10.40.2.0/24', 'us-east-1a'], ['nats-3', '10.40.3.10', '10.40.3.0/24', 'us-east-1a'],
    ]);
    expect(prod.ports).toEqual({ client: 4222, cluster: 6222, monitor: 8222, prometheus: 9464 });
    expect(prod.thresholds.minRoutesPerNode).toBe(2);
    expect(prod.subscriberAsgName).toBe('dsm-prod-subscribers');
    expect(prod.identities).toEqual({ ingest: 'ingest', subscriber: 'subscriber', ops: 'ops' });
  });

  it('opens feed ports only for MoldUDP64 feeds, from the Direct Connect prefixes', () => {
    expect(prod.feeds).toEqual({ ports: [{ exchange: 'NYSE', protocol: 'udp', port: 26400 }], prefixes: ['192.0.2.0/24'] });
  });

  it('reads the AMI from SSM when the config says resolve:ssm:, else uses the id', () => {
    expect(prod.ami).toEqual({ kind: 'ssm', parameter: '/dsm/prod/ami-id' });
    const direct = platformInputs(validateConfig({ ...prodConfig, aws: { ...prodConfig.aws!, amiId: 'ami-0abc' } }));
    expect(direct.ami).toEqual({ kind: 'id', id: 'ami-0abc' });
  });

  it('keeps Direct Connect off unless enabled, and accepts a VIF only with a connection', () => {
    expect(prod.directConnect).toEqual({ enabled: false });
    const on = platformInputs(validateConfig({ ...prodConfig, aws: { ...prodConfig.aws!, directConnect: { enabled: true, allowedPrefixes: ['192.0.2.0/24'], virtualInterfaceId: 'dxvif-1' } } }));
    expect(on.directConnect).toEqual({ enabled: true, amazonSideAsn: 64512 });
  });

  it('knows the partitions', () => {
    expect([partitionOf('us-east-1'), partitionOf('us-gov-west-1'), partitionOf('cn-north-1')]).toEqual(['aws', 'aws-us-gov', 'aws-cn']);
  });
});

describe('TLS layout', () => {
  it('mirrors the TLS directory under /dsm/<env>/tls, keys 0600', () => {
    expect(serverParameters('prod', 'nats-1')).toEqual([
      { name: '/dsm/prod/tls/ca.crt', file: 'ca.crt', mode: '0644' },
      { name: '/dsm/prod/tls/servers/nats-1.crt', file: 'servers/nats-1.crt', mode: '0644' },
      { name: '/dsm/prod/tls/servers/nats-1.key', file: 'servers/nats-1.key', mode: '0600' },
    ]);
    expect(tlsKeyAlias('prod')).toBe('alias/dsm-prod-tls');
  });

  it('lists the CA once however many servers and identities share it', () => {
    const all = allTlsParameters('prod', ['nats-1', 'nats-2'], ['ops']);
    expect(all.map((p) => p.file)).toEqual(['ca.crt', 'servers/nats-1.crt', 'servers/nats-1.key', 'servers/nats-2.crt', 'servers/nats-2.key', 'clients/ops.crt', 'clients/ops.key']);
  });
});
