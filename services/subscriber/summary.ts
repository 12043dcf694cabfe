/**
 * A running subscriber's summary on `_DSM.metrics.<service>`: publish->subscriber and end-to-end
 * latency, per-exchange received/gaps/resyncs, slow-consumer events, what it processed (the
 * group scaling signal) and, for a group member, its ownership.
 */
import type { NatsConnection } from 'nats';
import type { DsmConfig } from '../../config/schema.js';
import type { GroupStatus } from '../metrics/latency.js';
import { SummaryPublisher } from '../metrics/summary-publisher.js';
import type { BookMirror } from '../mirror/book-mirror.js';
import type { Subscriber } from './subscriber.js';

interface Seen { applied: number; gaps: number; resyncs: number }

export function subscriberSummaries(
  sub: Subscriber, nc: NatsConnection, cfg: DsmConfig,
  opts: { service: string; intervalMs?: number; group?: () => GroupStatus; now?: () => number },
): SummaryPublisher {
  // Mirrors come and go (a group member releases books): remember each one's counters by identity.
  let seen = new WeakMap<BookMirror, Seen>();
  let last = { processed: sub.counters.processed, busyNs: sub.counters.busyNs, slow: sub.counters.slowConsumer };
  return new SummaryPublisher(nc, cfg, {
    service: opts.service,
    latency: sub.latency,
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
      return {
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
