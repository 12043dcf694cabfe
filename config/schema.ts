/**
 * The one description of a DSM deployment. Every consumer (stacks, nats-server config renderer,
 * local cluster, dashboards, runbooks, services) reads a value of `DsmConfig`; nothing is written
 * twice. Each field is documented once, here.
 *
 * Cross-field rules (CIDR containment and overlap, ENA instance families, node counts) live in
 * `superRefine` so that every failure names the field path and the reason.
 */
import { z } from 'zod';
import { FEED_KIND_SCHEMAS } from '../services/feeds/config-kinds.js';
import { cidrContains, cidrsOverlap, parseCidr } from './cidr.js';
import { BackoffSchema } from './feed-connection.js';

export { BackoffSchema, FeedConnectionSchema, type FeedConnection } from './feed-connection.js';

/** Instance families with ENA (and, for the n-suffixed ones, enhanced networking up to 100+ Gbps). */
export const ENA_FAMILIES = [
  'c5n', 'c6gn', 'c6in', 'c7gn', 'c7i', 'c7g', 'c6i', 'c6g', 'm5n', 'm5dn', 'm6in', 'm6idn', 'm7g', 'm7i',
  'r5n', 'r6in', 'r7g', 'r7i', 'c8g', 'm8g', 'x2idn',
] as const;

export function isEnaInstanceType(type: string): boolean {
  const family = type.split('.')[0] ?? '';
  return (ENA_FAMILIES as readonly string[]).includes(family);
}

const cidr = z.string().refine((v) => parseCidr(v) !== undefined, { message: 'must be an IPv4 CIDR such as 10.40.0.0/16' });
const port = z.number().int().min(1).max(65535);
/** Exchange names become the first subject token, so they are restricted to safe characters. */
const exchangeName = z.string().regex(/^[A-Z0-9_-]{1,32}$/, 'must be 1-32 characters of A-Z, 0-9, _ or -');
const instanceType = z.string().regex(/^[a-z0-9]+\.[a-z0-9]+$/, 'must look like c6gn.xlarge');
const identityName = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lower-case letters, digits and -');

/**
 * Every feed kind a venue can be configured with. Each venue declares its own kinds in
 * services/feeds/<venue>/config.ts (pure zod); services/feeds/config-kinds.ts lists them.
 */
export const FeedSchema = z.discriminatedUnion('kind', FEED_KIND_SCHEMAS);

export const ExchangeSchema = z.object({
  /** Subject token and tag for every event, e.g. NASDAQ. */
  name: exchangeName,
  /** Symbols as the exchange spells them (BRK.B, XBT/USD); encoded for subjects, never rewritten. */
  symbols: z.array(z.string().min(1)).min(1),
  feed: FeedSchema,
});

export const NatsSchema = z.object({
  /** Cluster name; also the `cluster` dimension of every metric. */
  clusterName: z.string().regex(/^[a-zA-Z0-9_-]+$/, 'must be letters, digits, _ or -'),
  /** NATS core cluster size. Odd sizes only: 3 tolerates one loss, 5 tolerates two. */
  nodes: z.number().int().refine((n) => n === 3 || n === 5, { message: 'must be 3 or 5' }),
  /**
   * `loopback`: every node on 127.0.0.1, ports offset by node index (local demo and tests).
   * `private-ip`: one node per host at a fixed private IP, same ports everywhere (AWS).
   */
  placement: z.enum(['loopback', 'private-ip']),
  ports: z.object({ client: port, cluster: port, monitor: port }),
  /** Private DNS zone the node names live in (nats-1.<zone>); certificate SANs use it. */
  dnsZone: z.string().regex(/^[a-z0-9.-]+$/),
  limits: z.object({
    /** Max message size; book snapshots must fit. */
    maxPayloadBytes: z.number().int().min(1024).max(64 * 1024 * 1024).default(1024 * 1024),
    /** Per-connection pending buffer before the server marks a client a slow consumer. */
    maxPendingBytes: z.number().int().min(1024 * 1024).default(64 * 1024 * 1024),
    /** How long a write to a client may block; short, so a stuck client is cut, not waited on. */
    writeDeadline: z.string().regex(/^\d+(ms|s)$/).default('2s'),
    pingInterval: z.string().regex(/^\d+(ms|s|m)$/).default('20s'),
    maxPingsOut: z.number().int().min(1).default(3),
    maxConnections: z.number().int().min(16).default(65536),
  }).prefault({}),
});

export const SubjectsSchema = z.object({
  /** Last token of every data subject: <EXCHANGE>.<SYMBOL>.<dataSuffix>. */
  dataSuffix: z.string().regex(/^[a-z]+$/).default('orderbook'),
  /** First token of every control subject (snapshots, heartbeats, lease, metrics, tuning). */
  controlPrefix: z.string().regex(/^_[A-Z]+$/).default('_DSM'),
}).prefault({});

export const IdentitySchema = z.object({
  name: identityName,
  role: z.enum(['ingest', 'subscriber', 'ops']),
  /** Exchanges a subscriber is licensed for; omitted means every configured exchange. */
  exchanges: z.array(exchangeName).optional(),
});

export const ClientSchema = z.object({
  /** Reconnect quickly: a market-data client would rather retry than sit idle. */
  reconnectTimeWaitMs: z.number().int().min(10).default(250),
  reconnectJitterMs: z.number().int().min(0).default(100),
  pingIntervalMs: z.number().int().min(1000).default(10_000),
  maxPingOut: z.number().int().min(1).default(3),
  /** Publishers never want their own messages back. */
  noEcho: z.boolean().default(true),
  /** Bound of a subscriber's inbound queue (messages); past it the subscriber resyncs. */
  maxQueuedMessages: z.number().int().min(100).default(50_000),
  /** A subscriber's snapshot requests that failed or came back unusable are retried with this backoff. */
  snapshotRetry: BackoffSchema(50, 5_000, 50),
  /** How long a subscriber waits for a snapshot reply before it counts the request failed (and backs off). */
  snapshotTimeoutMs: z.number().int().min(10).max(60_000).default(2_000),
  /**
   * Most books one subscriber mirrors; past it new (exchange, symbol) pairs are refused and
   * counted, so made-up symbols on a wildcard cannot grow memory without limit (docs/security.md).
   */
  maxBooks: z.number().int().min(1).default(20_000),
  /** Snapshot requests one subscriber may send per second, whatever its books want (token bucket). */
  snapshotRequestsPerSecond: z.number().int().min(1).default(200),
}).prefault({});

export const IngestSchema = z.object({
  /** worker_threads that own symbol shards; each owns its books and NATS connection. */
  workers: z.number().int().min(1).max(64).default(2),
  /**
   * Run each live WebSocket feed inside the shard that owns its symbols (one venue connection per
   * shard): frames are decoded, validated and published in that thread from one book per symbol,
   * with no hand-off between threads. false: feeds run on the ingest thread and hand updates over.
   */
  feedsInShards: z.boolean().default(true),
  /** Flush published updates after this many messages or this many microseconds. */
  batchMessages: z.number().int().min(1).default(64),
  batchMicros: z.number().int().min(0).default(200),
  /** Most levels a snapshot carries per side; past it a mirror could not equal the book, so keep it above real depths. */
  snapshotDepth: z.number().int().min(1).default(50_000),
  /** Leader lease (hot standby): heartbeat period and missed beats before a takeover. */
  heartbeatMs: z.number().int().min(10).default(100),
  missedHeartbeats: z.number().int().min(2).default(3),
}).prefault({});

export const ThresholdsSchema = z.object({
  e2eP99Micros: z.number().positive().default(1000),
  slowConsumersPerMinute: z.number().int().min(0).default(0),
  /** Routes each node should report: nodes - 1. Alarm below it. */
  minRoutesPerNode: z.number().int().min(0).optional(),
  /** Minutes a live exchange may have a stale book without pause (recovery not bringing it back) before the alarm. */
  feedStaleMinutes: z.number().int().min(1).max(60).default(3),
}).prefault({});

export const AutoscalingSchema = z.object({
  min: z.number().int().min(0),
  max: z.number().int().min(1),
  desired: z.number().int().min(0),
  /** Target delivered NATS messages per second per in-service subscriber instance. */
  targetMsgsPerInstance: z.number().positive(),
  targetCpuPercent: z.number().min(5).max(95).default(60),
  targetNetworkInBytesPerInstance: z.number().positive(),
  warmupSeconds: z.number().int().min(0).default(120),
  /** Bounds the feedback loop (`dsm tune`) may move the message-rate target within. */
  tuneBounds: z.object({ min: z.number().positive(), max: z.number().positive(), maxStepPercent: z.number().min(1).max(100).default(20), cooldownSeconds: z.number().int().min(0).default(300) }),
});

export const DirectConnectSchema = z.object({
  enabled: z.boolean().default(false),
  /** Amazon-side ASN of the Direct Connect gateway. */
  amazonSideAsn: z.number().int().min(64512).max(4294967294).default(64512),
  /** On-premises / exchange prefixes the gateway may advertise into the VPC; feed ports open only from these. */
  allowedPrefixes: z.array(cidr).default([]),
  /** Hosted connection id; when set, a hosted private VIF accepter is created. */
  connectionId: z.string().optional(),
  virtualInterfaceId: z.string().optional(),
}).prefault({});

export const AwsSchema = z.object({
  region: z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, 'must be an AWS region such as us-east-1'),
  /** The one AZ everything lives in by default: a placement group cannot span AZs. */
  az: z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d[a-z]$/, 'must be an availability zone such as us-east-1a'),
  /**
   * The AZ ID `az` must be in this account (e.g. use1-az4). AZ names map to physical zones
   * differently per account; the ID is what a cross-connect or a peer's latency figure refers to.
   * When set, the plan fails if `az` names another zone (stacks/README.md, "AZ by ID").
   */
  azId: z.string().regex(/^[a-z]+\d+-az\d+$/, 'must be an availability zone ID such as use1-az4').optional(),
  /** Spread NATS nodes over these AZs instead (survives an AZ loss; costs ~0.5-1 ms per cross-AZ hop). */
  spreadNatsAcrossAzs: z.boolean().default(false),
  natsAzs: z.array(z.string()).default([]),
  vpcCidr: cidr,
  subnets: z.object({
    /** One subnet per NATS node (3 or 5), in node order. */
    nats: z.array(cidr),
    ingestion: cidr,
    subscribers: cidr,
    endpoints: cidr,
  }),
  instanceTypes: z.object({ nats: instanceType, ingestion: instanceType, subscriber: instanceType }),
  /** AMI baked by `make ami`; `resolve:ssm:` parameters are allowed. */
  amiId: z.string().min(1),
  rootVolumeGb: z.number().int().min(8).default(30),
  directConnect: DirectConnectSchema,
  logRetentionDays: z.union([z.literal(1), z.literal(3), z.literal(5), z.literal(7), z.literal(14), z.literal(30), z.literal(60), z.literal(90), z.literal(180), z.literal(365), z.literal(731)]).default(30),
  /** Where alarms go; optional e-mail subscription on the SNS topic. */
  alarmEmail: z.string().email().optional(),
  /** Source CIDR of the monitoring tier (Prometheus scrapers etc.); monitoring port opens only to the monitoring SG. */
  tags: z.record(z.string(), z.string()).default({}),
});

export const MetricsSchema = z.object({
  /** Seconds between scrapes of nats-server monitoring endpoints. */
  scrapeIntervalSeconds: z.number().int().min(1).default(10),
  /** 1 = high-resolution CloudWatch metrics (1 s storage), 60 = standard. */
  storageResolution: z.union([z.literal(1), z.literal(60)]).default(60),
  namespace: z.string().default('DSM'),
  prometheusPort: port.default(9464),
  /** Address the Prometheus exporter and the local dashboard bind to; loopback unless a scraper needs more. */
  prometheusHost: z.string().min(1).default('127.0.0.1'),
  /** Port of the local live dashboard (`dsm dashboard --local`). */
  localDashboardPort: port.default(8090),
}).prefault({});

/**
 * Subscriber groups (`dsm subscribe --group`): members heartbeat on `_DSM.group.<identity>.<group>`
 * and divide the group's symbols by rendezvous hashing over the live member list.
 */
export const GroupsSchema = z.object({
  heartbeatMs: z.number().int().min(10).default(200),
  /** Heartbeats a member may miss before the others drop it and take its symbols. */
  missedHeartbeats: z.number().int().min(2).default(3),
  /** Longest a symbol may be applied by both its old and new owner while ownership moves. */
  handoverMs: z.number().int().min(10).default(1500),
  /** How often the ingest announces the symbols it publishes (`_DSM.symbols.<EXCHANGE>`). */
  announceIntervalMs: z.number().int().min(100).default(2000),
  /** Group the AWS subscriber hosts join (their user data passes it to `dsm subscribe --group`). */
  hostGroup: z.string().regex(/^[A-Za-z0-9_-]+$/).default('subscribers'),
}).prefault({});

const tuneRange = (min: number, max: number) => z.object({ min: z.number().int().min(1).default(min), max: z.number().int().min(1).default(max) }).prefault({});

/**
 * The feedback loop (`dsm tune`): how often it looks, how far one step may move a setting, how long
 * it waits after a change, and the bounds of the client settings it tunes. The ASG target's bounds
 * are `autoscaling.tuneBounds`.
 */
export const TuneSchema = z.object({
  intervalSeconds: z.number().int().min(1).default(30),
  maxStepPercent: z.number().min(1).max(100).default(20),
  cooldownSeconds: z.number().int().min(0).default(120),
  /** Publisher flush size (ingest.batchMessages), sized to the messages one flush window holds. */
  batchMessages: tuneRange(1, 1024),
  /** Subscriber queue bound (client.maxQueuedMessages), sized to `burstSeconds` of delivered traffic. */
  maxQueuedMessages: tuneRange(1000, 2_000_000),
  burstSeconds: z.number().positive().default(1),
}).prefault({});

const cpuList = z.string().regex(/^\d+(-\d+)?(,\d+(-\d+)?)*$/, 'must be a CPU list such as 2-3 or 0,2');

/** Host tuning baked into the AMI and rendered into systemd units. */
export const HostSchema = z.object({
  /** CPUAffinity per service; ENA IRQs are pinned to the CPUs no service uses. */
  cpuAffinity: z.object({
    nats: cpuList.default('0-1'),
    ingest: cpuList.default('2-3'),
    subscriber: cpuList.default('2-3'),
    metrics: cpuList.default('0'),
  }).prefault({}),
  /** Add isolcpus/nohz_full/rcu_nocbs boot arguments for the service cores (needs a reboot). */
  isolateServiceCores: z.boolean().default(false),
  /** Open files per service; every client connection is one. */
  nofile: z.number().int().min(1024).default(1_048_576),
}).prefault({});

export const DsmConfigSchema = z.object({
  /** Environment name (local, prod, ...). */
  env: z.string().regex(/^[a-z0-9-]+$/),
  nats: NatsSchema,
  subjects: SubjectsSchema,
  identities: z.array(IdentitySchema).min(1),
  exchanges: z.array(ExchangeSchema).min(1),
  client: ClientSchema,
  ingest: IngestSchema,
  thresholds: ThresholdsSchema,
  metrics: MetricsSchema,
  host: HostSchema,
  tune: TuneSchema,
  groups: GroupsSchema,
  /** Present for deployable environments; absent for loopback-only ones. */
  aws: AwsSchema.optional(),
  autoscaling: AutoscalingSchema.optional(),
}).superRefine((cfg, ctx) => {
  const names = new Set<string>();
  cfg.exchanges.forEach((ex, i) => {
    if (names.has(ex.name)) ctx.addIssue({ code: 'custom', path: ['exchanges', i, 'name'], message: `duplicate exchange ${ex.name}` });
    names.add(ex.name);
  });
  const ids = new Set<string>();
  cfg.identities.forEach((id, i) => {
    if (ids.has(id.name)) ctx.addIssue({ code: 'custom', path: ['identities', i, 'name'], message: `duplicate identity ${id.name}` });
    ids.add(id.name);
    id.exchanges?.forEach((ex, j) => {
      if (!names.has(ex)) ctx.addIssue({ code: 'custom', path: ['identities', i, 'exchanges', j], message: `unknown exchange ${ex}; configured: ${[...names].join(', ')}` });
    });
    if (id.exchanges && id.role !== 'subscriber') ctx.addIssue({ code: 'custom', path: ['identities', i, 'exchanges'], message: 'exchange entitlements apply to subscriber identities only' });
  });
  for (const role of ['ingest', 'subscriber', 'ops'] as const) {
    if (!cfg.identities.some((id) => id.role === role)) ctx.addIssue({ code: 'custom', path: ['identities'], message: `needs at least one ${role} identity` });
  }
  const p = cfg.nats.ports;
  if (new Set([p.client, p.cluster, p.monitor]).size !== 3) ctx.addIssue({ code: 'custom', path: ['nats', 'ports'], message: 'client, cluster and monitor ports must differ' });
  else if (cfg.nats.placement === 'loopback') {
    // Loopback nodes take port + index - 1 from each range: the three ranges must not overlap.
    const n = cfg.nats.nodes;
    const bases = [p.client, p.cluster, p.monitor].sort((a, b) => a - b);
    if (bases[1]! - bases[0]! < n || bases[2]! - bases[1]! < n) ctx.addIssue({ code: 'custom', path: ['nats', 'ports'], message: `loopback nodes use ${n} consecutive ports from each of client, cluster and monitor; the ranges overlap (client ${p.client}, cluster ${p.cluster}, monitor ${p.monitor})` });
    // A port itself out of range is already reported on its own field.
    else if (bases[2]! <= 65535 && bases[2]! + n - 1 > 65535) ctx.addIssue({ code: 'custom', path: ['nats', 'ports'], message: `the monitor range ends past 65535` });
  }
  if (cfg.nats.placement === 'private-ip' && !cfg.aws) ctx.addIssue({ code: 'custom', path: ['aws'], message: 'required when nats.placement is private-ip' });
  if (cfg.aws) refineAws(cfg.aws, cfg.nats.nodes, ctx);
  if (cfg.aws && !cfg.autoscaling) ctx.addIssue({ code: 'custom', path: ['autoscaling'], message: 'required for an AWS environment' });
  if (cfg.autoscaling) {
    const a = cfg.autoscaling;
    if (a.min > a.max) ctx.addIssue({ code: 'custom', path: ['autoscaling', 'min'], message: `must be <= max (${a.max}), got ${a.min}` });
    if (a.desired < a.min || a.desired > a.max) ctx.addIssue({ code: 'custom', path: ['autoscaling', 'desired'], message: `must be within [${a.min}, ${a.max}], got ${a.desired}` });
    if (a.tuneBounds.min > a.targetMsgsPerInstance || a.tuneBounds.max < a.targetMsgsPerInstance) ctx.addIssue({ code: 'custom', path: ['autoscaling', 'tuneBounds'], message: `must contain targetMsgsPerInstance (${a.targetMsgsPerInstance})` });
  }
});

function refineAws(aws: z.infer<typeof AwsSchema>, nodes: number, ctx: z.RefinementCtx): void {
  if (aws.subnets.nats.length !== nodes) {
    ctx.addIssue({ code: 'custom', path: ['aws', 'subnets', 'nats'], message: `must list one subnet per NATS node (${nodes}), got ${aws.subnets.nats.length}` });
  }
  const all: Array<[Array<string | number>, string]> = [
    ...aws.subnets.nats.map((c, i): [Array<string | number>, string] => [['aws', 'subnets', 'nats', i], c]),
    [['aws', 'subnets', 'ingestion'], aws.subnets.ingestion],
    [['aws', 'subnets', 'subscribers'], aws.subnets.subscribers],
    [['aws', 'subnets', 'endpoints'], aws.subnets.endpoints],
  ];
  for (const [path, c] of all) {
    if (parseCidr(c) && parseCidr(aws.vpcCidr) && !cidrContains(aws.vpcCidr, c)) {
      ctx.addIssue({ code: 'custom', path, message: `${c} is outside the VPC ${aws.vpcCidr}` });
    }
  }
  for (let i = 0; i < all.length; i++) {
    for (let j = i + 1; j < all.length; j++) {
      const [pa, a] = all[i]!;
      const [pb, b] = all[j]!;
      if (parseCidr(a) && parseCidr(b) && cidrsOverlap(a, b)) {
        ctx.addIssue({ code: 'custom', path: pb, message: `${b} overlaps ${pa.join('.')} (${a})` });
      }
    }
  }
  for (const tier of ['nats', 'ingestion', 'subscriber'] as const) {
    const t = aws.instanceTypes[tier];
    if (!isEnaInstanceType(t)) {
      ctx.addIssue({ code: 'custom', path: ['aws', 'instanceTypes', tier], message: `${t} is not an ENA instance type; use one of the ${ENA_FAMILIES.join('/')} families` });
    }
  }
  if (aws.spreadNatsAcrossAzs && aws.natsAzs.length < 2) {
    ctx.addIssue({ code: 'custom', path: ['aws', 'natsAzs'], message: 'list at least 2 AZs when spreadNatsAcrossAzs is on' });
  }
  if (aws.directConnect.enabled && aws.directConnect.allowedPrefixes.length === 0) {
    ctx.addIssue({ code: 'custom', path: ['aws', 'directConnect', 'allowedPrefixes'], message: 'list at least one prefix when Direct Connect is enabled' });
  }
}

/** Input shape (defaults optional): what `config/<env>.ts` files write. */
export type DsmConfigInput = z.input<typeof DsmConfigSchema>;
/** Validated shape with defaults filled in: what every consumer reads. */
export type DsmConfig = z.output<typeof DsmConfigSchema>;
export type ExchangeConfig = z.output<typeof ExchangeSchema>;
export type FeedConfig = z.output<typeof FeedSchema>;
export type Identity = z.output<typeof IdentitySchema>;
export type Role = Identity['role'];
export type AwsConfig = z.output<typeof AwsSchema>;
