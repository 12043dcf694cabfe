/**
 * The helper services use to report their latency histograms and event counts: every interval it
 * publishes one JSON `ServiceSummary` on `<controlPrefix>.metrics.<role>.<identity>.<service>` and resets, so the
 * data path only ever calls `record`/`count` (no I/O, no allocation per message beyond HDR's).
 */
import type { NatsConnection } from 'nats';
import type { DsmConfig } from '../../config/schema.js';
import { childLogger } from '../common/log.js';
import { metricsSubject as schemeMetricsSubject, metricsWildcardSubject, subjectScheme } from '../nats/subjects.js';
import { ExchangeCounters, LatencyRecorder, type ServiceSummary } from './latency.js';

/** `_DSM.metrics.<role>.<identity>.<service>`: the only metrics subject `identity` may publish on. */
export function metricsSubject(cfg: DsmConfig, identity: string, service: string): string {
  const id = cfg.identities.find((i) => i.name === identity);
  if (!id) throw new Error(`unknown identity "${identity}"; configured: ${cfg.identities.map((i) => i.name).join(', ')}`);
  return schemeMetricsSubject(subjectScheme(cfg), id.role, id.name, service);
}

/** Subject the agent subscribes to for every service's summaries. */
export function metricsWildcard(cfg: DsmConfig): string {
  return metricsWildcardSubject(subjectScheme(cfg));
}

/** The identity a DSM connection was opened as (connectAs sets its inbox prefix to `_INBOX.<identity>`). */
function connectionIdentity(nc: NatsConnection): string | undefined {
  const prefix = (nc as { options?: { inboxPrefix?: string } }).options?.inboxPrefix;
  return prefix?.startsWith('_INBOX.') ? prefix.slice('_INBOX.'.length) : undefined;
}

export interface SummaryPublisherOptions {
  /** Token naming the service in the subject and the summary (ingest-1, subscriber-3). */
  service: string;
  /**
   * Identity the connection was opened as; it names the subject (permissions allow no other).
   * Default: read from the connection's inbox prefix, which connectAs sets per identity.
   */
  identity?: string;
  intervalMs?: number;
  now?: () => number;
  /** Report a recorder the service already keeps (e.g. a Subscriber's) instead of a new one. */
  latency?: LatencyRecorder;
  counters?: ExchangeCounters;
  /**
   * Reset after each publish (default). Pass false when the service also reads the recorder
   * for its own report: each summary then covers everything since start (percentiles stay
   * meaningful; the agent still turns the interval's counts into rates only if they reset).
   */
  reset?: boolean;
  /**
   * Called at each flush before the summary is built: fill the counters from the service's own
   * bookkeeping and return fields to add (processing, group, hops kept elsewhere).
   */
  collect?: (p: SummaryPublisher, intervalMs: number) => Partial<Pick<ServiceSummary, 'hops' | 'processing' | 'group' | 'agent' | 'feedHealth'>>;
}

export class SummaryPublisher {
  readonly latency: LatencyRecorder;
  readonly counters: ExchangeCounters;
  private timer: NodeJS.Timeout | undefined;
  private lastFlush: number;
  private readonly now: () => number;
  private readonly log = childLogger('summary-publisher');
  private readonly subject: string;

  constructor(private readonly nc: NatsConnection, private readonly cfg: DsmConfig, private readonly opts: SummaryPublisherOptions) {
    if (!/^[A-Za-z0-9_-]+$/.test(opts.service)) throw new Error(`service must be a single subject token, got "${opts.service}"`);
    this.now = opts.now ?? Date.now;
    this.latency = opts.latency ?? new LatencyRecorder();
    this.counters = opts.counters ?? new ExchangeCounters();
    this.lastFlush = this.now();
    const identity = opts.identity ?? connectionIdentity(nc);
    if (!identity) throw new Error('SummaryPublisher: pass identity (the connection was not opened by connectAs)');
    this.subject = metricsSubject(cfg, identity, opts.service);
  }

  start(): this {
    const interval = this.opts.intervalMs ?? this.cfg.metrics.scrapeIntervalSeconds * 1000;
    this.timer = setInterval(() => this.flush(), interval);
    this.timer.unref();
    return this;
  }

  /** Publish what the interval collected and start a new interval. */
  flush(): ServiceSummary {
    const at = this.now();
    const intervalMs = Math.max(1, at - this.lastFlush);
    let extra: ReturnType<NonNullable<SummaryPublisherOptions['collect']>> = {};
    try {
      extra = this.opts.collect?.(this, intervalMs) ?? {};
    } catch (err) {
      this.log.warn({ err: String(err), service: this.opts.service }, 'summary collector failed; publishing the base summary');
    }
    const summary: ServiceSummary = {
      service: this.opts.service,
      intervalMs,
      at,
      ...this.counters.snapshot(),
      ...extra,
      hops: { ...this.latency.summary(), ...extra.hops },
    };
    if (this.opts.reset !== false) {
      this.latency.reset();
      this.counters.reset();
    }
    this.lastFlush = at;
    try {
      this.nc.publish(this.subject, JSON.stringify(summary));
    } catch (err) {
      // A closed connection must not take the service down with it; the interval is lost and said so.
      this.log.warn({ err: String(err), service: this.opts.service }, 'metrics summary not published');
    }
    return summary;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
