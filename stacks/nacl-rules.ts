/**
 * Which traffic each subnet tier's network ACL admits, as plain data (no cdktf), so the rules can
 * be read and tested as a table. NACLs are stateless and CIDR-based: every request rule has a
 * matching return rule on the ephemeral range. The range is 32768-65535 (Linux's default is
 * 32768-60999), which contains no service port, so "ephemeral from the VPC" never opens a service.
 */
export interface NaclRule {
  egress: boolean;
  protocol: 'tcp' | 'udp';
  fromPort: number;
  toPort: number;
  cidr: string;
  why: string;
}

export const EPHEMERAL = { from: 32768, to: 65535 } as const;
export const HTTPS = 443;

export type SubnetTier = 'nats' | 'ingestion' | 'subscribers' | 'endpoints';

export interface NaclRuleInputs {
  vpcCidr: string;
  natsCidrs: readonly string[];
  ingestionCidr: string;
  subscribersCidr: string;
  /** Shared-services subnet: endpoint ENIs plus monitoring/ops hosts. */
  endpointsCidr: string;
  ports: { client: number; cluster: number; monitor: number; prometheus: number };
  feedPorts: ReadonlyArray<{ exchange: string; protocol: 'tcp' | 'udp'; port: number }>;
  feedPrefixes: readonly string[];
}

const tcp = (egress: boolean, port: number, cidr: string, why: string): NaclRule => ({ egress, protocol: 'tcp', fromPort: port, toPort: port, cidr, why });
const ephemeral = (egress: boolean, cidr: string, why: string): NaclRule => ({ egress, protocol: 'tcp', fromPort: EPHEMERAL.from, toPort: EPHEMERAL.to, cidr, why });

/** Rules per tier, in priority order. S3 (a public prefix list) is added by the construct. */
export function naclRules(i: NaclRuleInputs): Record<SubnetTier, NaclRule[]> {
  const { client, cluster, monitor, prometheus } = i.ports;
  const returnsIn = ephemeral(false, i.vpcCidr, 'returns from VPC peers');
  const returnsOut = ephemeral(true, i.vpcCidr, 'returns to VPC peers');
  const httpsToEndpoints = tcp(true, HTTPS, i.endpointsCidr, 'HTTPS to VPC endpoints');
  const clientTiers: Array<[string, string]> = [['ingestion', i.ingestionCidr], ['subscribers', i.subscribersCidr], ['monitoring', i.endpointsCidr]];

  const nats: NaclRule[] = [
    ...clientTiers.map(([tier, cidr]) => tcp(false, client, cidr, `NATS clients from ${tier}`)),
    ...i.natsCidrs.map((cidr) => tcp(false, cluster, cidr, 'NATS routes from a peer')),
    tcp(false, monitor, i.endpointsCidr, 'NATS monitoring from the monitoring hosts'),
    returnsIn,
    ...i.natsCidrs.map((cidr) => tcp(true, cluster, cidr, 'NATS routes to a peer')),
    httpsToEndpoints,
    returnsOut,
  ];
  const serviceTier = (): NaclRule[] => [
    tcp(false, prometheus, i.endpointsCidr, 'Prometheus scrape from monitoring'),
    returnsIn,
    ...i.natsCidrs.map((cidr) => tcp(true, client, cidr, 'NATS client connections')),
    httpsToEndpoints,
    returnsOut,
  ];
  const feeds: NaclRule[] = i.feedPrefixes.flatMap((cidr) =>
    i.feedPorts.map((f): NaclRule => ({ egress: false, protocol: f.protocol, fromPort: f.port, toPort: f.port, cidr, why: `${f.exchange} feed` })));
  const endpoints: NaclRule[] = [
    ...[...i.natsCidrs, i.ingestionCidr, i.subscribersCidr].map((cidr) => tcp(false, HTTPS, cidr, 'HTTPS to endpoints')),
    returnsIn,
    ...i.natsCidrs.flatMap((cidr) => [tcp(true, client, cidr, 'ops NATS client'), tcp(true, monitor, cidr, 'NATS monitoring scrape')]),
    tcp(true, prometheus, i.ingestionCidr, 'Prometheus scrape'),
    tcp(true, prometheus, i.subscribersCidr, 'Prometheus scrape'),
    returnsOut,
  ];
  return { nats, ingestion: [...feeds, ...serviceTier()], subscribers: serviceTier(), endpoints };
}
