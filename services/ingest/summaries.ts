/**
 * The ingest's summaries on `_DSM.metrics.ingest.<identity>.<publisherId>-w<N>`: one per worker with its interval
 * ingest->publish latency (from the worker's cumulative histogram) and published counts per
 * exchange, plus `<publisherId>-feeds` with, per exchange, feed events, malformed records, feed
 * gaps, recoveries and time stale (interval deltas of the cumulative figures the sources keep),
 * and the live symbols stale at the end of the interval (`feedHealth`, a level, not a count).
 */
import type { NatsConnection } from 'nats';
import type { DsmConfig } from '../../config/schema.js';
import { IntervalHop } from '../metrics/latency.js';
import { SummaryPublisher } from '../metrics/summary-publisher.js';
import { feedHealthByExchange, placedSources, staleMsOf } from './feed-health.js';
import type { IngestService } from './service.js';

const token = (s: string) => s.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 100);

export class IngestSummaries {
  private readonly publishers: SummaryPublisher[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(nc: NatsConnection, cfg: DsmConfig, ingest: IngestService, publisherId: string, intervalMs?: number) {
    const id = token(publisherId);
    const interval = intervalMs ? { intervalMs } : {};
    for (let w = 0; w < Math.max(1, ingest.workerCount); w++) {
      const hop = new IntervalHop();
      let lastPublished: Record<string, number> = {};
      this.publishers.push(new SummaryPublisher(nc, cfg, {
        service: `${id}-w${w}`, ...interval,
        collect: (p) => {
          const stats = ingest.workerStats(true)[w];
          if (!stats) return {};
          for (const [ex, n] of Object.entries(stats.perExchange)) {
            const d = n - (lastPublished[ex] ?? 0);
            if (d > 0) p.counters.count(ex, 'published', d);
          }
          lastPublished = { ...stats.perExchange };
          const interval = hop.next(stats.ingestToPublishHist);
          return interval ? { hops: { ingest_to_publish: interval } } : {};
        },
      }));
    }
    type Cumulative = { updates: number; malformed: number; gaps: number; resyncs: number; staleMs: number };
    const last = new Map<string, Cumulative>();
    this.publishers.push(new SummaryPublisher(nc, cfg, {
      service: `${id}-feeds`, ...interval,
      collect: (p) => {
        // Recordings are decoded on the main thread (inputs, malformed frames) and kept by the
        // workers that own their books (updates, gaps); live feeds run inside those workers.
        // Keyed by where each source runs: two workers' connections to one venue share a source name.
        const sources = placedSources(ingest.sources.map((src) => src.stats), ingest.workerStats());
        for (const { key, stats: s } of sources) {
          const prev = last.get(key) ?? { updates: 0, malformed: 0, gaps: 0, resyncs: 0, staleMs: 0 };
          const now: Cumulative = { updates: s.updates, malformed: s.malformed, gaps: s.gaps, resyncs: s.resyncs, staleMs: Math.round(staleMsOf(s)) };
          // Zeros too: a quiet feed is reported as quiet (0/s), not as missing. A restarted worker's
          // counters start again from 0: that interval counts nothing rather than a negative.
          p.counters.count(s.exchange, 'ingestEvents', Math.max(0, now.updates - prev.updates));
          p.counters.count(s.exchange, 'malformed', Math.max(0, now.malformed - prev.malformed));
          p.counters.count(s.exchange, 'feedGaps', Math.max(0, now.gaps - prev.gaps));
          p.counters.count(s.exchange, 'feedRecoveries', Math.max(0, now.resyncs - prev.resyncs));
          p.counters.count(s.exchange, 'feedStaleMs', Math.max(0, now.staleMs - prev.staleMs));
          last.set(key, now);
        }
        return { feedHealth: feedHealthByExchange(sources.map((x) => x.stats)) };
      },
    }));
  }

  start(): this {
    for (const p of this.publishers) p.start();
    return this;
  }

  flush(): void {
    for (const p of this.publishers) p.flush();
  }

  async stop(): Promise<void> {
    await Promise.all(this.publishers.map((p) => p.stop()));
  }
}
