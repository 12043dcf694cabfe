/**
 * The ingest's summaries on `_DSM.metrics.ingest.<identity>.<publisherId>-w<N>`: one per worker with its interval
 * ingest->publish latency (from the worker's cumulative histogram) and published counts per
 * exchange, plus `<publisherId>-feeds` with feed events, malformed records and feed gaps per
 * exchange. Counts are interval deltas of the cumulative figures the service already keeps.
 */
import type { NatsConnection } from 'nats';
import type { DsmConfig } from '../../config/schema.js';
import { IntervalHop } from '../metrics/latency.js';
import { SummaryPublisher } from '../metrics/summary-publisher.js';
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
    const last = new Map<string, { updates: number; malformed: number; gaps: number }>();
    this.publishers.push(new SummaryPublisher(nc, cfg, {
      service: `${id}-feeds`, ...interval,
      collect: (p) => {
        // Recordings are decoded on the main thread (inputs, malformed frames) and kept by the
        // workers that own their books (updates, gaps); live feeds run inside those workers.
        for (const s of [...ingest.sources.map((src) => src.stats), ...ingest.shardFeedStats(), ...ingest.workerStats().flatMap((w) => w.kept ?? [])]) {
          const key = `${s.exchange}\u0000${s.source}`;
          const prev = last.get(key) ?? { updates: 0, malformed: 0, gaps: 0 };
          // Zeros too: a quiet feed is reported as quiet (0/s), not as missing.
          p.counters.count(s.exchange, 'ingestEvents', Math.max(0, s.updates - prev.updates));
          p.counters.count(s.exchange, 'malformed', Math.max(0, s.malformed - prev.malformed));
          p.counters.count(s.exchange, 'feedGaps', Math.max(0, s.gaps - prev.gaps));
          last.set(key, { updates: s.updates, malformed: s.malformed, gaps: s.gaps });
        }
        return {};
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
