/**
 * A running subscriber's summary on `_DSM.metrics.<role>.<identity>.<service>`: publish->subscriber and end-to-end
 * latency, per-exchange received/gaps/resyncs, slow-consumer events, what it processed (the
 * group scaling signal) and, for a group member, its ownership.
 */
import type { NatsConnection } from 'nats';
import type { DsmConfig } from '../../config/schema.js';
import type { Hop } from '../../config/metrics.js';
import { IntervalHop, type GroupStatus, type HopSummary } from '../metrics/latency.js';
import { SummaryPublisher } from '../metrics/summary-publisher.js';
import type { BookMirror } from '../mirror/book-mirror.js';
import type { Subscriber } from './subscriber.js';

interface Seen { applied: number; gaps: number; resyncs: number }

const SUBSCRIBER_HOPS: readonly Hop[] = ['publish_to_subscriber', 'end_to_end'];

export function subscriberSummaries(
  sub: Subscriber, nc: NatsConnection, cfg: DsmConfig,
  opts: {
    service: string; identity?: string; intervalMs?: number; group?: () => GroupStatus; now?: () => number;
    /**
     * Leave `sub.latency` cumulative (the service reports it at exit, as `dsm subscribe --report`
     * does): each summary then carries the interval's percentiles, taken as the difference of
     * the cumulative histograms, instead of resetting the subscriber's recorder.
     */
    keepCumulative?: boolean;
  },
): SummaryPublisher {
  // Mirrors come and go (a group member releases books): remember each one's counters by identity.
  let seen = new WeakMap<BookMirror, Seen>();
  let last = { processed: sub.counters.processed, busyNs: sub.counters.busyNs, slow: sub.counters.slowConsumer };
  const intervals = opts.keepCumulative ? SUBSCRIBER_HOPS.map((hop) => ({ hop, iv: new IntervalHop() })) : [];
  return new SummaryPublisher(nc, cfg, {
    service: opts.service,
    ...(opts.identity ? { identity: opts.identity } : {}),
    // With keepCumulative the publisher's own (empty) recorder is the one it resets.
    ...(opts.keepCumulative ? {} : { latency: sub.latency }),
    ...(opts.intervalMs ? { intervalMs: opts.intervalMs } : {}),
    ...(opts.now ? { now: opts.now } : {}),
    collect: (p, intervalMs) => {
      const next = new WeakMap<BookMirror, Seen>();
      for (const m of sub.mirrors.mirrors()) {
        const c = m.counters;
        const prev = seen.get(m) ?? { applied: 0, gaps: 0, resyncs: 0 };
        if (c.applied > prev.applied) p.counters.count(m.exchange, 'received', c.applied - prev.applied);
        if (c.gaps > prev.gaps) p.counters.count(m.exchange, 'gaps', c.gaps - prev.gaps);
        if (c.resyncs > prev.resyncs) p.counters.count(m.exchange, 'resyncs', c.resyncs - prev.resyncs);
        next.set(m, { applied: c.applied, gaps: c.gaps, resyncs: c.resyncs });
      }
      seen = next;
      const k = sub.counters;
      const processed = k.processed - last.processed;
      const busyNs = k.busyNs - last.busyNs;
      if (k.slowConsumer > last.slow) p.counters.subscriberSlowConsumer(k.slowConsumer - last.slow);
      last = { processed: k.processed, busyNs: k.busyNs, slow: k.slowConsumer };
      const hops: Partial<Record<Hop, HopSummary>> = {};
      for (const { hop, iv } of intervals) {
        const h = iv.next(sub.latency.encoded(hop));
        if (h) hops[hop] = h;
      }
      return {
        ...(intervals.length ? { hops } : {}),
        processing: {
          msgsPerSecond: (processed * 1000) / intervalMs,
          queueDepth: sub.queued,
          processingMicros: processed > 0 ? busyNs / processed / 1000 : 0,
          busyPercent: Math.min(100, (busyNs / 1e6 / intervalMs) * 100),
        },
        ...(opts.group ? { group: opts.group() } : {}),
      };
    },
  });
}
