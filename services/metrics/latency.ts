/**
 * Per-hop latency histograms a service keeps in-process (HDR, microseconds), plus the per-exchange
 * event counters it reports alongside them. Pure: no clock, no I/O. The publisher helper
 * (`summary-publisher.ts`) ships a summary on `_DSM.metrics.<service>` every interval and
 * resets, so each summary describes one interval.
 */
import * as hdr from 'hdr-histogram-js';
import { z } from 'zod';
import { HOPS, type Hop } from '../../config/metrics.js';

/** 60 s is far beyond any hop we care about; larger values are clamped rather than lost. */
const HIGHEST_TRACKABLE_MICROS = 60_000_000;

export const HopSummarySchema = z.object({
  p50: z.number().nonnegative(),
  p99: z.number().nonnegative(),
  p999: z.number().nonnegative(),
  max: z.number().nonnegative(),
  count: z.number().int().nonnegative(),
});
export type HopSummary = z.infer<typeof HopSummarySchema>;

/** What a service counted per exchange during the interval. */
export const EXCHANGE_COUNTERS = ['ingestEvents', 'published', 'received', 'gaps', 'resyncs', 'malformed'] as const;
export type ExchangeCounter = (typeof EXCHANGE_COUNTERS)[number];

export const ServiceSummarySchema = z.object({
  service: z.string().min(1),
  /** Length of the interval the summary covers, so the agent can turn counts into rates. */
  intervalMs: z.number().positive(),
  /** Wall-clock time the interval ended (ms since epoch). */
  at: z.number(),
  hops: z.partialRecord(z.enum(HOPS), HopSummarySchema),
  exchanges: z.record(z.string(), z.partialRecord(z.enum(EXCHANGE_COUNTERS), z.number().int().nonnegative())).default({}),
  /** Times a DSM subscriber's queue overflowed and it fell back to a snapshot. */
  subscriberSlow: z.number().int().nonnegative().default(0),
});
export type ServiceSummary = z.infer<typeof ServiceSummarySchema>;

export class LatencyRecorder {
  private readonly histograms = new Map<Hop, hdr.Histogram>();

  /** Record one observation; negative values (clock skew across hosts) count as 0. */
  record(hop: Hop, micros: number): void {
    const h = this.histograms.get(hop) ?? this.histogram(hop);
    h.recordValue(Math.min(Math.max(0, Math.round(micros)), HIGHEST_TRACKABLE_MICROS));
  }

  /** The histogram behind `hop` (created empty if nothing was recorded yet), e.g. to ship it whole. */
  histogram(hop: Hop): hdr.Histogram {
    let h = this.histograms.get(hop);
    if (!h) {
      h = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: HIGHEST_TRACKABLE_MICROS, numberOfSignificantValueDigits: 3, autoResize: false });
      this.histograms.set(hop, h);
    }
    return h;
  }

  summary(): Partial<Record<Hop, HopSummary>> {
    const out: Partial<Record<Hop, HopSummary>> = {};
    for (const [hop, h] of this.histograms) {
      if (h.totalCount === 0) continue;
      out[hop] = {
        p50: h.getValueAtPercentile(50),
        p99: h.getValueAtPercentile(99),
        p999: h.getValueAtPercentile(99.9),
        max: h.maxValue,
        count: h.totalCount,
      };
    }
    return out;
  }

  reset(): void {
    for (const h of this.histograms.values()) h.reset();
  }
}

/** Per-exchange counts over the current interval. */
export class ExchangeCounters {
  private counts = new Map<string, Partial<Record<ExchangeCounter, number>>>();
  private slow = 0;

  count(exchange: string, what: ExchangeCounter, n = 1): void {
    let c = this.counts.get(exchange);
    if (!c) this.counts.set(exchange, (c = {}));
    c[what] = (c[what] ?? 0) + n;
  }

  subscriberSlowConsumer(n = 1): void {
    this.slow += n;
  }

  snapshot(): { exchanges: Record<string, Partial<Record<ExchangeCounter, number>>>; subscriberSlow: number } {
    return { exchanges: Object.fromEntries(this.counts), subscriberSlow: this.slow };
  }

  reset(): void {
    this.counts = new Map();
    this.slow = 0;
  }
}
