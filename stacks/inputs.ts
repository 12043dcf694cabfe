/**
 * Everything the stacks need, derived from the one environment config. Constructs take these
 * plain values (never the config itself), so each can be read and tested on its own; this file
 * is the only place that knows how config fields map onto AWS.
 */
import type { DsmConfig } from '../config/schema.js';
import { ConfigError } from '../config/load.js';
import { liveBookExchanges } from '../config/live-feeds.js';
import { natsNodes } from '../config/topology.js';
import { clientTuningParameter, subscriberAsgName } from '../dashboards/names.js';

export interface NodePlacement {
  index: number;
  name: string;
  dnsName: string;
  ip: string;
  subnetCidr: string;
  az: string;
}

export interface FeedPort {
  exchange: string;
  protocol: 'udp' | 'tcp';
  port: number;
}

export type AmiSource = { kind: 'id'; id: string } | { kind: 'ssm'; parameter: string };

export type DirectConnectInputs =
  | { enabled: false }
  | { enabled: true; amazonSideAsn: number; virtualInterfaceId?: string };

export interface PlatformInputs {
  /** Prefix of every resource name: dsm-<env>. */
  name: string;
  env: string;
  region: string;
  partition: string;
  az: string;
  /** The AZ ID `az` must resolve to in the account (checked at plan time), when the config pins one. */
  azId?: string;
  tags: Record<string, string>;
  vpcCidr: string;
  nats: {
    clusterName: string;
    dnsZone: string;
    nodes: NodePlacement[];
    /** True when the NATS nodes span AZs (and so cannot share the cluster placement group). */
    spread: boolean;
  };
  subnets: { ingestion: string; subscribers: string; endpoints: string };
  ports: { client: number; cluster: number; monitor: number; prometheus: number };
  feeds: { ports: FeedPort[]; prefixes: string[] };
  directConnect: DirectConnectInputs;
  instanceTypes: { nats: string; ingestion: string; subscriber: string };
  ami: AmiSource;
  rootVolumeGb: number;
  logRetentionDays: number;
  alarmEmail?: string;
  metrics: { namespace: string };
  /** Client identities the ingestion and subscriber instances (and NATS hosts' metrics agents) connect as. */
  identities: { ingest: string; subscriber: string; ops: string };
  autoscaling: NonNullable<DsmConfig['autoscaling']>;
  /** The name `dsm tune` and the dashboards look the group up by. */
  subscriberAsgName: string;
  /** SSM parameters `dsm tune` writes client settings to (a wildcard name), read by ingest and subscribers. */
  tunedClientSettings: string;
  thresholds: { e2eP99Micros: number; slowConsumersPerMinute: number; minRoutesPerNode: number; feedStaleMinutes: number };
  /** Exchanges whose live feed recovers books per symbol (config/live-feeds.ts): each gets a symbols-stale alarm. */
  liveBookExchanges: string[];
  subjects: { data: string; control: string };
}

export function partitionOf(region: string): string {
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  if (region.startsWith('cn-')) return 'aws-cn';
  return 'aws';
}

function feedPorts(cfg: DsmConfig): FeedPort[] {
  return cfg.exchanges.flatMap((ex): FeedPort[] => (ex.feed.kind === 'itch-moldudp64' ? [{ exchange: ex.name, protocol: 'udp', port: ex.feed.port }] : []));
}

function amiSource(amiId: string): AmiSource {
  return amiId.startsWith('resolve:ssm:') ? { kind: 'ssm', parameter: amiId.slice('resolve:ssm:'.length) } : { kind: 'id', id: amiId };
}

function identityFor(cfg: DsmConfig, role: 'ingest' | 'subscriber' | 'ops'): string {
  // Subscribers in the ASG serve every exchange, so they take an identity without entitlement limits.
  const id = cfg.identities.find((i) => i.role === role && !i.exchanges) ?? cfg.identities.find((i) => i.role === role);
  return id!.name; // the schema guarantees one identity per role
}

/** Derive the stack inputs; throws ConfigError naming the field when the config cannot be deployed. */
export function platformInputs(cfg: DsmConfig): PlatformInputs {
  const aws = cfg.aws;
  const autoscaling = cfg.autoscaling;
  const problems: string[] = [];
  if (!aws) problems.push(`aws: required to build the AWS stacks; environment "${cfg.env}" has none`);
  if (cfg.nats.placement !== 'private-ip') problems.push(`nats.placement: must be private-ip for AWS, got "${cfg.nats.placement}"`);
  if (aws?.directConnect.enabled && aws.directConnect.connectionId && !aws.directConnect.virtualInterfaceId) {
    problems.push('aws.directConnect.virtualInterfaceId: required when connectionId is set (the hosted private VIF to accept)');
  }
  const fullMesh = cfg.nats.nodes - 1;
  if (cfg.thresholds.minRoutesPerNode !== undefined && cfg.thresholds.minRoutesPerNode !== fullMesh) {
    // Every node routes to every other; a different figure would alarm forever or miss a lost peer.
    problems.push(`thresholds.minRoutesPerNode: must equal nats.nodes - 1 (${fullMesh}) in a full mesh, got ${cfg.thresholds.minRoutesPerNode}`);
  }
  if (!aws || !autoscaling || problems.length) throw new ConfigError(cfg.env, problems.length ? problems : ['autoscaling: required for an AWS environment']);

  const dx = aws.directConnect;
  return {
    name: `dsm-${cfg.env}`,
    env: cfg.env,
    region: aws.region,
    partition: partitionOf(aws.region),
    az: aws.az,
    ...(aws.azId ? { azId: aws.azId } : {}),
    tags: { ...aws.tags, 'dsm:env': cfg.env },
    vpcCidr: aws.vpcCidr,
    nats: {
      clusterName: cfg.nats.clusterName,
      dnsZone: cfg.nats.dnsZone,
      nodes: natsNodes(cfg).map((n) => ({ index: n.index, name: n.name, dnsName: n.dnsName, ip: n.ip, subnetCidr: n.subnetCidr!, az: n.az! })),
      spread: aws.spreadNatsAcrossAzs,
    },
    subnets: { ingestion: aws.subnets.ingestion, subscribers: aws.subnets.subscribers, endpoints: aws.subnets.endpoints },
    ports: { ...cfg.nats.ports, prometheus: cfg.metrics.prometheusPort },
    feeds: { ports: feedPorts(cfg), prefixes: dx.allowedPrefixes },
    directConnect: dx.enabled ? { enabled: true, amazonSideAsn: dx.amazonSideAsn, ...(dx.virtualInterfaceId && dx.connectionId ? { virtualInterfaceId: dx.virtualInterfaceId } : {}) } : { enabled: false },
    instanceTypes: aws.instanceTypes,
    ami: amiSource(aws.amiId),
    rootVolumeGb: aws.rootVolumeGb,
    logRetentionDays: aws.logRetentionDays,
    ...(aws.alarmEmail ? { alarmEmail: aws.alarmEmail } : {}),
    metrics: { namespace: cfg.metrics.namespace },
    identities: { ingest: identityFor(cfg, 'ingest'), subscriber: identityFor(cfg, 'subscriber'), ops: identityFor(cfg, 'ops') },
    autoscaling,
    subscriberAsgName: subscriberAsgName(cfg),
    tunedClientSettings: clientTuningParameter(cfg, '*'),
    thresholds: {
      e2eP99Micros: cfg.thresholds.e2eP99Micros,
      slowConsumersPerMinute: cfg.thresholds.slowConsumersPerMinute,
      minRoutesPerNode: fullMesh,
      feedStaleMinutes: cfg.thresholds.feedStaleMinutes,
    },
    liveBookExchanges: liveBookExchanges(cfg),
    subjects: { data: `<EXCHANGE>.<SYMBOL>.${cfg.subjects.dataSuffix}`, control: `${cfg.subjects.controlPrefix}.>` },
  };
}
