/**
 * The metrics agent: every scrape interval it reads each nats-server's /varz, /routez and /connz,
 * turns cumulative counters into rates (rates.ts, client-rates.ts), folds in the latency and
 * event summaries services published on `_DSM.metrics.>` since the last tick, and hands the
 * resulting catalog points to its sinks (CloudWatch batcher, Prometheus, in-memory history).
 * Nothing here blocks: sinks take points synchronously and do their own I/O.
 */
import type { NatsConnection, Subscription } from 'nats';
import { HOPS, type Hop } from '../../config/metrics.js';
import type { DsmConfig } from '../../config/schema.js';
import { natsNodes } from '../../config/topology.js';
import { childLogger } from '../common/log.js';
import { fetchConnz, fetchRoutez, fetchVarz } from '../nats/monitor.js';
import { ClientRateTracker, type ClientRates } from './client-rates.js';
import { MetricHistory } from './history.js';
import { EXCHANGE_COUNTERS, type HopSummary, type ServiceSummary } from './latency.js';
import { metricPoint, type MetricPoint } from './points.js';
import { RateTracker } from './rates.js';
import { metricsWildcard } from './summary-publisher.js';
import { groupFigures, type GroupFigure } from './group-figures.js';
import { judgeSummary } from './summary-guard.js';

/** A service's symbols-stale report stands for this many of its intervals. */
const FEED_HEALTH_INTERVALS = 3;

/** Queue group every metrics agent subscribes to service summaries in. */
export const SUMMARY_QUEUE = 'dsm-metrics-agents';

export interface AgentNode {
  name: string;
  monitorUrl: string;
}

export interface MetricSink {
  write(points: readonly MetricPoint[]): void;
}

/** What one tick saw, in the shape the feedback loop reasons about. */
export interface AgentObservation {
  at: number;
  /** Client-published and client-delivered messages per second, cluster-wide (routes excluded). */
  publishedRate: number;
  deliveredRate: number;
  activePublishers: number;
  activeReceivers: number;
  /** Busiest single publisher / receiver connection (msg/s). */
  maxPublisherRate: number;
  maxReceiverRate: number;
  /** Slow consumers the servers cut off during the tick. */
  slowConsumers: number;
  /** DSM subscribers whose queue overflowed during the tick. */
  subscriberSlow: number;
  latency: Partial<Record<Hop, HopSummary>>;
  nodesScraped: number;
  nodesFailed: string[];
  /** Subscriber groups heard from during the tick. */
  groups: Record<string, GroupFigure>;
}

export interface MetricsAgentOptions {
  /** Nodes to scrape (default: every node of the config; on AWS an agent scrapes its own node). */
  nodes?: AgentNode[];
  /** Connection (ops identity) to receive service summaries on; without it only servers are scraped. */
  nc?: NatsConnection;
  sinks?: MetricSink[];
  intervalMs?: number;
  historyCapacity?: number;
  now?: () => number;
  fetchTimeoutMs?: number;
}

export function defaultAgentNodes(cfg: DsmConfig): AgentNode[] {
  return natsNodes(cfg).map((n) => ({ name: n.name, monitorUrl: `http://${n.ip}:${n.monitorPort}` }));
}

/**
 * Several services report the same hop; percentiles cannot be merged exactly from summaries, so
 * the tail (p99, p99.9, max) takes the worst service (conservative) and p50 the count-weighted mean.
 */
export function mergeHopSummaries(list: readonly HopSummary[]): HopSummary | undefined {
  const nonEmpty = list.filter((s) => s.count > 0);
  if (nonEmpty.length === 0) return undefined;
  const count = nonEmpty.reduce((n, s) => n + s.count, 0);
  return {
    p50: nonEmpty.reduce((a, s) => a + s.p50 * s.count, 0) / count,
    p99: Math.max(...nonEmpty.map((s) => s.p99)),
    p999: Math.max(...nonEmpty.map((s) => s.p999)),
    max: Math.max(...nonEmpty.map((s) => s.max)),
    count,
  };
}

export class MetricsAgent {
  readonly history: MetricHistory;
  private readonly rates = new RateTracker();
  private readonly clientRates = new ClientRateTracker();
  private pending: ServiceSummary[] = [];
  private sub: Subscription | undefined;
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<AgentObservation> | undefined;
  private last: AgentObservation | undefined;
  private readonly listeners: Array<(o: AgentObservation, points: readonly MetricPoint[]) => void> = [];
  private readonly nodes: AgentNode[];
  private readonly now: () => number;
  private readonly log = childLogger('metrics-agent');
  readonly stats = { ticks: 0, scrapeErrors: 0, badSummaries: 0, summaries: 0 };
  /** Rejected summaries per sending identity (`unknown` when the subject named none). */
  readonly rejectedBy = new Map<string, number>();
  private lastRejectLogMs = 0;
  /** Latest feed health per reporting service (foldFeedHealth). */
  private readonly feedHealth = new Map<string, { sentAt: number; heardAt: number; keepMs: number; exchanges: NonNullable<ServiceSummary['feedHealth']> }>();

  constructor(private readonly cfg: DsmConfig, private readonly opts: MetricsAgentOptions = {}) {
    this.nodes = opts.nodes ?? defaultAgentNodes(cfg);
    this.now = opts.now ?? Date.now;
    this.history = new MetricHistory(opts.historyCapacity);
  }

  /** True when this agent scrapes every node of the config, so cluster sums are whole. */
  get coversCluster(): boolean {
    const names = new Set(this.nodes.map((n) => n.name));
    return natsNodes(this.cfg).every((n) => names.has(n.name));
  }

  get intervalMs(): number {
    return this.opts.intervalMs ?? this.cfg.metrics.scrapeIntervalSeconds * 1000;
  }

  async start(): Promise<this> {
    if (this.opts.nc) {
      // A queue group: with one agent per NATS node, each summary reaches exactly one agent, so
      // Sum statistics count it once (a plain subscription would count it once per node). The
      // subject names the identity nats-server let publish it (summary-guard.ts).
      this.sub = this.opts.nc.subscribe(metricsWildcard(this.cfg), { queue: SUMMARY_QUEUE, callback: (err, msg) => { if (!err) this.acceptSummary(msg.data, msg.subject); } });
    }
    await this.tick();
    this.timer = setInterval(() => void this.tick().catch((err: unknown) => this.log.error({ err: String(err) }, 'tick failed')), this.intervalMs);
    return this;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.sub?.unsubscribe();
    await this.ticking?.catch(() => undefined);
  }

  onTick(listener: (o: AgentObservation, points: readonly MetricPoint[]) => void): void {
    this.listeners.push(listener);
  }

  latestObservation(): AgentObservation | undefined {
    return this.last;
  }

  /**
   * Feed one raw summary message (also what the NATS subscription does, with its subject, which
   * names the identity nats-server let publish it). Implausible or malformed summaries are
   * rejected whole, counted per identity and logged (at most once a second).
   */
  acceptSummary(data: Uint8Array | string, subject?: string): boolean {
    const v = judgeSummary(this.cfg, data, subject);
    if (v.ok) {
      this.pending.push(v.summary);
      this.stats.summaries++;
      return true;
    }
    this.stats.badSummaries++;
    this.rejectedBy.set(v.identity, (this.rejectedBy.get(v.identity) ?? 0) + 1);
    const now = Date.now();
    if (now - this.lastRejectLogMs >= 1000) {
      this.lastRejectLogMs = now;
      this.log.warn({ identity: v.identity, subject: subject?.slice(0, 200), reason: v.reason, rejected: this.stats.badSummaries }, 'rejected a metrics summary');
    }
    return false;
  }

  /** One scrape of every node plus the summaries received since the last tick. */
  tick(): Promise<AgentObservation> {
    this.ticking ??= this.doTick().finally(() => (this.ticking = undefined));
    return this.ticking;
  }

  private async doTick(): Promise<AgentObservation> {
    const at = this.now();
    const cluster = this.cfg.nats.clusterName;
    const timeout = this.opts.fetchTimeoutMs ?? Math.min(2000, this.intervalMs);
    const points: MetricPoint[] = [];
    const obs: AgentObservation = { at, publishedRate: 0, deliveredRate: 0, activePublishers: 0, activeReceivers: 0, maxPublisherRate: 0, maxReceiverRate: 0, slowConsumers: 0, subscriberSlow: 0, latency: {}, nodesScraped: 0, nodesFailed: [], groups: {} };
    let clientRatesSeen = 0;

    const scraped = await Promise.all(this.nodes.map(async (node) => {
      try {
        const [varz, routez, connz] = await Promise.all([fetchVarz(node.monitorUrl, timeout), fetchRoutez(node.monitorUrl, timeout), fetchConnz(node.monitorUrl, { timeoutMs: timeout })]);
        return { node, varz, routez, connz };
      } catch (err) {
        this.stats.scrapeErrors++;
        obs.nodesFailed.push(node.name);
        this.log.warn({ node: node.name, err: String(err) }, 'scrape failed');
        return undefined;
      }
    }));

    for (const s of scraped) {
      if (!s) continue;
      obs.nodesScraped++;
      const { node, varz, routez, connz } = s;
      const dims = { Cluster: cluster, Node: node.name };
      const nowMs = Date.parse(varz.now);
      points.push(metricPoint('natsConnections', dims, varz.connections, at));
      points.push(metricPoint('natsRoutes', dims, routez.num_routes, at));
      const diff = this.rates.observe(node.name, {
        serverId: varz.server_id,
        startMs: Date.parse(varz.start),
        nowMs,
        counters: { in_msgs: varz.in_msgs, out_msgs: varz.out_msgs, in_bytes: varz.in_bytes, out_bytes: varz.out_bytes },
        slowConsumers: varz.slow_consumers,
      });
      if (diff.kind === 'rates') {
        const r = diff.result;
        points.push(
          metricPoint('natsMsgsInRate', dims, r.rates.in_msgs, at),
          metricPoint('natsMsgsOutRate', dims, r.rates.out_msgs, at),
          metricPoint('natsBytesInRate', dims, r.rates.in_bytes, at),
          metricPoint('natsBytesOutRate', dims, r.rates.out_bytes, at),
          metricPoint('natsSlowConsumers', dims, r.slowConsumers, at),
        );
        obs.slowConsumers += r.slowConsumers;
        if (r.reset) this.log.info({ node: node.name }, 'server restarted; rate measured from its start');
      }
      const client: ClientRates | undefined = this.clientRates.observe(node.name, varz.server_id, nowMs, connz.connections ?? []);
      if (client) {
        clientRatesSeen++;
        points.push(metricPoint('nodeDeliveredRate', dims, client.outRate, at), metricPoint('nodePublishedRate', dims, client.inRate, at));
        obs.publishedRate += client.inRate;
        obs.deliveredRate += client.outRate;
        obs.activePublishers += client.activePublishers;
        obs.activeReceivers += client.activeReceivers;
        obs.maxPublisherRate = Math.max(obs.maxPublisherRate, client.maxConnInRate);
        obs.maxReceiverRate = Math.max(obs.maxReceiverRate, client.maxConnOutRate);
      }
    }
    // A cluster-wide figure needs every node: an agent scraping one node (--node) would publish a
    // partial sum under the cluster's name, which CloudWatch cannot tell from the whole.
    if (clientRatesSeen > 0 && this.coversCluster) {
      points.push(metricPoint('clusterDeliveredRate', { Cluster: cluster }, obs.deliveredRate, at));
      points.push(metricPoint('clusterPublishedRate', { Cluster: cluster }, obs.publishedRate, at));
    }

    this.foldSummaries(points, obs, at);
    this.history.record(points);
    for (const sink of this.opts.sinks ?? []) {
      try {
        sink.write(points);
      } catch (err) {
        this.log.error({ err: String(err) }, 'metric sink failed');
      }
    }
    this.stats.ticks++;
    this.last = obs;
    for (const l of this.listeners) l(obs, points);
    return obs;
  }

  /**
   * Symbols stale is a level, not a count: each service's latest report stands until it is
   * FEED_HEALTH_INTERVALS of its intervals old (its summaries need not line up with this agent's
   * ticks), and the exchange's figure is the most any service reports (a hot-standby pair runs
   * the same feeds twice; summing would count every stale symbol twice).
   */
  private foldFeedHealth(summaries: readonly ServiceSummary[], points: MetricPoint[], at: number): void {
    for (const s of summaries) {
      if (!s.feedHealth) continue;
      const prev = this.feedHealth.get(s.service);
      if (!prev || prev.sentAt <= s.at) this.feedHealth.set(s.service, { sentAt: s.at, heardAt: at, keepMs: FEED_HEALTH_INTERVALS * Math.max(s.intervalMs, this.intervalMs), exchanges: s.feedHealth });
    }
    const stale = new Map<string, number>();
    for (const [service, h] of this.feedHealth) {
      if (at - h.heardAt > h.keepMs) { this.feedHealth.delete(service); continue; }
      for (const [exchange, f] of Object.entries(h.exchanges)) stale.set(exchange, Math.max(stale.get(exchange) ?? 0, f.stale));
    }
    const cluster = this.cfg.nats.clusterName;
    for (const [exchange, n] of stale) points.push(metricPoint('feedSymbolsStale', { Cluster: cluster, Exchange: exchange }, n, at));
  }

  private foldSummaries(points: MetricPoint[], obs: AgentObservation, at: number): void {
    const summaries = this.pending;
    this.pending = [];
    this.foldFeedHealth(summaries, points, at);
    if (summaries.length === 0) return;
    const cluster = this.cfg.nats.clusterName;
    for (const hop of HOPS) {
      const merged = mergeHopSummaries(summaries.flatMap((s) => (s.hops[hop] ? [s.hops[hop]] : [])));
      if (!merged) continue;
      obs.latency[hop] = merged;
      const dims = { Cluster: cluster, Hop: hop };
      points.push(
        metricPoint('latencyP50', dims, merged.p50, at),
        metricPoint('latencyP99', dims, merged.p99, at),
        metricPoint('latencyP999', dims, merged.p999, at),
        metricPoint('latencyMax', dims, merged.max, at),
      );
    }
    // Counts become rates per service interval, summed over services; fault counts stay counts.
    const perExchange = new Map<string, Record<(typeof EXCHANGE_COUNTERS)[number], number>>();
    for (const s of summaries) {
      for (const [exchange, counts] of Object.entries(s.exchanges)) {
        let acc = perExchange.get(exchange);
        if (!acc) perExchange.set(exchange, (acc = { ingestEvents: 0, published: 0, received: 0, gaps: 0, resyncs: 0, malformed: 0, feedGaps: 0, feedRecoveries: 0, feedStaleMs: 0 }));
        const seconds = s.intervalMs / 1000;
        acc.ingestEvents += (counts.ingestEvents ?? 0) / seconds;
        acc.published += (counts.published ?? 0) / seconds;
        acc.received += (counts.received ?? 0) / seconds;
        acc.gaps += counts.gaps ?? 0;
        acc.resyncs += counts.resyncs ?? 0;
        acc.malformed += counts.malformed ?? 0;
        acc.feedGaps += counts.feedGaps ?? 0;
        acc.feedRecoveries += counts.feedRecoveries ?? 0;
        acc.feedStaleMs += counts.feedStaleMs ?? 0;
      }
      obs.subscriberSlow += s.subscriberSlow;
    }
    for (const [exchange, acc] of perExchange) {
      const dims = { Cluster: cluster, Exchange: exchange };
      points.push(
        metricPoint('ingestEventsRate', dims, acc.ingestEvents, at),
        metricPoint('publishedRate', dims, acc.published, at),
        metricPoint('receivedRate', dims, acc.received, at),
        metricPoint('gaps', dims, acc.gaps, at),
        metricPoint('resyncs', dims, acc.resyncs, at),
        metricPoint('malformed', dims, acc.malformed, at),
        metricPoint('feedGaps', dims, acc.feedGaps, at),
        metricPoint('feedRecoveries', dims, acc.feedRecoveries, at),
        metricPoint('feedStaleSeconds', dims, acc.feedStaleMs / 1000, at),
      );
    }
    points.push(metricPoint('subscriberSlow', { Cluster: cluster }, obs.subscriberSlow, at));
    for (const g of groupFigures(summaries)) {
      obs.groups[g.group] = g;
      const dims = { Cluster: cluster, Group: g.group };
      points.push(
        metricPoint('groupMemberRate', dims, g.memberRate, at),
        metricPoint('groupProcessedRate', dims, g.totalRate, at),
        metricPoint('groupMembers', dims, g.members, at),
        metricPoint('groupQueueDepth', dims, g.maxQueueDepth, at),
        metricPoint('groupBusyPercent', dims, g.maxBusyPercent, at),
        metricPoint('groupProcessingMicros', dims, g.processingMicros, at),
      );
    }
  }
}
