/**
 * Which traffic each subnet tier's network ACL admits, as plain data (no cdktf), so the rules can
 * be read and tested as a table. NACLs are stateless and CIDR-based: every request rule has a
 * matching return rule on the ephemeral range. The range is 32768-65535 (Linux's default is
 * 32768-60999), which contains no service port, so "ephemeral from the VPC" never opens a service.
 */
export interface NaclRule {
  /** Fixed per purpose (see RULES), so adding a node or a feed never renumbers existing rules. */
  ruleNumber: number;
  egress: boolean;
  protocol: 'tcp' | 'udp';
  fromPort: number;
  toPort: number;
  cidr: string;
  why: string;
}

/**
 * Rule number bases. Per-node rules take base + 10 * (node - 1); feed rules base + k. S3 rules
 * (added by the construct) start at 900.
 */
export const RULES = { clientTiers: 100, perNode: 200, perNodeSecond: 205, perNodeThird: 250, service: 300, serviceSecond: 310, returns: 400, feeds: 500, s3: 900 } as const;

/**
 * Fixed slots for the S3 gateway endpoint's CIDRs (the regional prefix list): rule numbers s3..s3+3
 * whatever order AWS lists the CIDRs in, and a precondition in the construct fails the plan
 * when the list outgrows the slots (rather than silently dropping a CIDR or crowding the quota).
 */
export const S3_SLOTS = 4;

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

const rule = (ruleNumber: number, egress: boolean, port: number, cidr: string, why: string): NaclRule =>
  ({ ruleNumber, egress, protocol: 'tcp', fromPort: port, toPort: port, cidr, why });
const perNode = (base: number, cidrs: readonly string[], build: (n: number, cidr: string) => NaclRule): NaclRule[] =>
  cidrs.map((cidr, i) => build(base + 10 * i, cidr));

/** Rules per tier. S3 (a public prefix list) is added by the construct. */
export function naclRules(i: NaclRuleInputs): Record<SubnetTier, NaclRule[]> {
  const { client, cluster, monitor, prometheus } = i.ports;
  const returns = (egress: boolean): NaclRule => ({ ruleNumber: RULES.returns, egress, protocol: 'tcp', fromPort: EPHEMERAL.from, toPort: EPHEMERAL.to, cidr: i.vpcCidr, why: egress ? 'returns to VPC peers' : 'returns from VPC peers' });
  const httpsToEndpoints = rule(RULES.service, true, HTTPS, i.endpointsCidr, 'HTTPS to VPC endpoints');
  const clientTiers: Array<[string, string]> = [['ingestion', i.ingestionCidr], ['subscribers', i.subscribersCidr], ['monitoring', i.endpointsCidr]];

  const nats: NaclRule[] = [
    ...clientTiers.map(([tier, cidr], k) => rule(RULES.clientTiers + 10 * k, false, client, cidr, `NATS clients from ${tier}`)),
    ...perNode(RULES.perNode, i.natsCidrs, (n, cidr) => rule(n, false, cluster, cidr, 'NATS routes from a peer')),
    ...perNode(RULES.perNodeThird, i.natsCidrs, (n, cidr) => rule(n, false, client, cidr, 'NATS clients (metrics agents) from a peer host')),
    rule(RULES.service, false, monitor, i.endpointsCidr, 'NATS monitoring from the monitoring hosts'),
    rule(RULES.serviceSecond, false, prometheus, i.endpointsCidr, 'Prometheus scrape of the metrics agent from monitoring'),
    returns(false),
    ...perNode(RULES.perNode, i.natsCidrs, (n, cidr) => rule(n, true, cluster, cidr, 'NATS routes to a peer')),
    ...perNode(RULES.perNodeThird, i.natsCidrs, (n, cidr) => rule(n, true, client, cidr, 'Metrics agent NATS client to a peer')),
    httpsToEndpoints,
    returns(true),
  ];
  const serviceTier = (): NaclRule[] => [
    returns(false),
    ...perNode(RULES.perNode, i.natsCidrs, (n, cidr) => rule(n, true, client, cidr, 'NATS client connections')),
    httpsToEndpoints,
    returns(true),
  ];
  const feeds: NaclRule[] = i.feedPrefixes.flatMap((cidr, p) =>
    i.feedPorts.map((f, k): NaclRule => ({ ruleNumber: RULES.feeds + p * i.feedPorts.length + k, egress: false, protocol: f.protocol, fromPort: f.port, toPort: f.port, cidr, why: `${f.exchange} feed` })));
  const endpoints: NaclRule[] = [
    rule(RULES.clientTiers, false, HTTPS, i.ingestionCidr, 'HTTPS to endpoints'),
    rule(RULES.clientTiers + 10, false, HTTPS, i.subscribersCidr, 'HTTPS to endpoints'),
    ...perNode(RULES.perNode, i.natsCidrs, (n, cidr) => rule(n, false, HTTPS, cidr, 'HTTPS to endpoints')),
    returns(false),
    ...perNode(RULES.perNode, i.natsCidrs, (n, cidr) => rule(n, true, client, cidr, 'ops NATS client')),
    ...perNode(RULES.perNodeSecond, i.natsCidrs, (n, cidr) => rule(n, true, monitor, cidr, 'NATS monitoring scrape')),
    ...perNode(RULES.perNodeThird, i.natsCidrs, (n, cidr) => rule(n, true, prometheus, cidr, 'Prometheus scrape of the metrics agents')),
    returns(true),
  ];
  return { nats, ingestion: [...feeds, ...serviceTier()], subscribers: serviceTier(), endpoints };
}
