/**
 * The one list of DSM metrics: name, unit, dimensions and meaning. The metrics agent emits only
 * these; dashboards, alarms (stacks) and the autoscaling policy name only these. A test checks
 * every dashboard widget against this list.
 *
 * Dimensions are bounded on purpose (cluster, node, hop, exchange): CloudWatch bills and
 * throttles per unique metric, so no per-symbol or per-connection dimension exists.
 */

export type MetricUnit = 'Count' | 'Count/Second' | 'Seconds' | 'Microseconds' | 'Bytes' | 'Bytes/Second' | 'Percent' | 'None';
export type MetricDimension = 'Cluster' | 'Node' | 'Hop' | 'Exchange' | 'Group';

export interface MetricDef {
  name: string;
  unit: MetricUnit;
  dimensions: readonly MetricDimension[];
  description: string;
}

function metric(name: string, unit: MetricUnit, dimensions: readonly MetricDimension[], description: string): MetricDef {
  return { name, unit, dimensions, description };
}

export const METRICS = {
  // nats-server, per node (differenced from /varz cumulative counters)
  natsMsgsInRate: metric('NatsMsgsInRate', 'Count/Second', ['Cluster', 'Node'], 'Messages received by the node from clients and routes'),
  natsMsgsOutRate: metric('NatsMsgsOutRate', 'Count/Second', ['Cluster', 'Node'], 'Messages delivered by the node'),
  natsBytesInRate: metric('NatsBytesInRate', 'Bytes/Second', ['Cluster', 'Node'], 'Bytes received by the node'),
  natsBytesOutRate: metric('NatsBytesOutRate', 'Bytes/Second', ['Cluster', 'Node'], 'Bytes delivered by the node'),
  natsConnections: metric('NatsConnections', 'Count', ['Cluster', 'Node'], 'Client connections open on the node'),
  natsRoutes: metric('NatsRoutes', 'Count', ['Cluster', 'Node'], 'Routes the node has to its peers; expected nodes-1'),
  natsSlowConsumers: metric('NatsSlowConsumers', 'Count', ['Cluster', 'Node'], 'Slow consumers the node cut off in the interval'),
  // Client traffic per node (route traffic excluded). Every agent emits these for the nodes it
  // scrapes, so on AWS (one agent per NATS host, --node) cluster figures are their sum: dashboards
  // stack them and `dsm tune` sums them with metric math.
  nodeDeliveredRate: metric('NodeDeliveredMsgRate', 'Count/Second', ['Cluster', 'Node'], 'Messages the node delivered to client connections per second (route traffic excluded)'),
  nodePublishedRate: metric('NodePublishedMsgRate', 'Count/Second', ['Cluster', 'Node'], 'Messages client connections published into the node per second (route traffic excluded)'),
  // Cluster-wide delivered rate: what the subscriber ASG scales on (÷ GroupInServiceInstances).
  // Emitted only by an agent that scrapes every node (local clusters, a central monitoring host).
  clusterDeliveredRate: metric('ClusterDeliveredMsgRate', 'Count/Second', ['Cluster'], 'Messages delivered to client connections by all nodes per second (route traffic excluded)'),
  clusterPublishedRate: metric('ClusterPublishedMsgRate', 'Count/Second', ['Cluster'], 'Messages published by client connections into the cluster per second (route traffic excluded)'),
  // DSM services
  latencyP50: metric('LatencyP50', 'Microseconds', ['Cluster', 'Hop'], 'Per-hop latency, 50th percentile'),
  latencyP99: metric('LatencyP99', 'Microseconds', ['Cluster', 'Hop'], 'Per-hop latency, 99th percentile'),
  latencyP999: metric('LatencyP999', 'Microseconds', ['Cluster', 'Hop'], 'Per-hop latency, 99.9th percentile'),
  latencyMax: metric('LatencyMax', 'Microseconds', ['Cluster', 'Hop'], 'Per-hop latency, maximum in the interval'),
  ingestEventsRate: metric('IngestEventsRate', 'Count/Second', ['Cluster', 'Exchange'], 'Feed events decoded per second'),
  publishedRate: metric('PublishedRate', 'Count/Second', ['Cluster', 'Exchange'], 'Book updates published per second'),
  receivedRate: metric('ReceivedRate', 'Count/Second', ['Cluster', 'Exchange'], 'Book updates received by subscribers per second'),
  gaps: metric('SequenceGaps', 'Count', ['Cluster', 'Exchange'], 'Sequence gaps detected by subscribers'),
  resyncs: metric('Resyncs', 'Count', ['Cluster', 'Exchange'], 'Snapshot resyncs by subscribers'),
  malformed: metric('MalformedMessages', 'Count', ['Cluster', 'Exchange'], 'Feed or wire messages counted and skipped'),
  subscriberSlow: metric('SubscriberSlowConsumer', 'Count', ['Cluster'], 'Times a DSM subscriber queue overflowed and fell back to a snapshot'),
  feedGaps: metric('FeedGaps', 'Count', ['Cluster', 'Exchange'], 'Sequence gaps the ingest saw in the exchange feed'),
  // Live recovery (services/ingest/sources/recovery.ts). Per exchange only: which symbols are stale
  // is in the ingest's progress log (`symbols`), not a CloudWatch dimension.
  feedRecoveries: metric('FeedRecoveries', 'Count', ['Cluster', 'Exchange'], 'Live books the ingest brought back in sync with a venue snapshot'),
  feedStaleSeconds: metric('FeedStaleSeconds', 'Seconds', ['Cluster', 'Exchange'], 'Time live books spent stale (lost sync, being recovered), summed over the exchange\'s symbols'),
  feedSymbolsStale: metric('FeedSymbolsStale', 'Count', ['Cluster', 'Exchange'], 'Live symbols whose book is stale now (the most any one ingest process reports)'),
  // Subscriber groups. Members divide the group's symbols, so the per-member rate falls as the
  // group grows: the subscriber ASG's target-tracking policy reads groupMemberRate.
  groupMemberRate: metric('GroupMemberProcessedRate', 'Count/Second', ['Cluster', 'Group'], 'Book messages processed per second per group member (mean over the members that reported)'),
  groupProcessedRate: metric('GroupProcessedRate', 'Count/Second', ['Cluster', 'Group'], 'Book messages processed per second by the whole group'),
  groupMembers: metric('GroupMembers', 'Count', ['Cluster', 'Group'], 'Members that reported in the interval'),
  groupQueueDepth: metric('GroupMaxQueueDepth', 'Count', ['Cluster', 'Group'], 'Deepest member inbound queue at the end of the interval'),
  groupBusyPercent: metric('GroupMaxBusyPercent', 'Percent', ['Cluster', 'Group'], 'Busiest member: share of the interval spent processing'),
  groupProcessingMicros: metric('GroupProcessingMicros', 'Microseconds', ['Cluster', 'Group'], 'Mean processing time per message across members'),
} as const satisfies Record<string, MetricDef>;

export type MetricKey = keyof typeof METRICS;

/** Latency hops, the values of the Hop dimension. */
export const HOPS = ['ingest_to_publish', 'publish_to_subscriber', 'end_to_end'] as const;
export type Hop = (typeof HOPS)[number];

export const METRIC_NAMES: ReadonlySet<string> = new Set(Object.values(METRICS).map((m) => m.name));
