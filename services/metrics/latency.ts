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

/**
 * What a service counted per exchange during the interval. The feed* counts are the ingest's live
 * recovery: books that lost sync with the venue, books brought back, and milliseconds stale summed
 * over the exchange's symbols.
 */
export const EXCHANGE_COUNTERS = ['ingestEvents', 'published', 'received', 'gaps', 'resyncs', 'malformed', 'feedGaps', 'feedRecoveries', 'feedStaleMs'] as const;
export type ExchangeCounter = (typeof EXCHANGE_COUNTERS)[number];

/** What one subscriber processed during the interval (bounded: a poisoned figure is refused). */
export const ProcessingSchema = z.object({
  /** Book messages handled per second. */
  msgsPerSecond: z.number().nonnegative().max(1e9),
  /** Inbound queue depth at the end of the interval (messages). */
  queueDepth: z.number().int().nonnegative(),
  /** Mean processing time per message (decode, mirror, handlers), microseconds. */
  processingMicros: z.number().nonnegative().max(1e8),
  /** Share of the interval spent processing, 0..100. */
  busyPercent: z.number().nonnegative().max(100),
});
export type Processing = z.infer<typeof ProcessingSchema>;

export const GroupStatusSchema = z.object({
  name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  member: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  members: z.number().int().nonnegative(),
  /** Symbols this member owns by the hash; live: of those (and hand-overs) with a live book. */
  owned: z.number().int().nonnegative(),
  live: z.number().int().nonnegative(),
  handingOver: z.number().int().nonnegative(),
  universe: z.number().int().nonnegative(),
});
export type GroupStatus = z.infer<typeof GroupStatusSchema>;

export const AgentHealthSchema = z.object({
  ticks: z.number().int().nonnegative(),
  scrapeErrors: z.number().int().nonnegative(),
  badSummaries: z.number().int().nonnegative(),
  summaries: z.number().int().nonnegative(),
  nodesScraped: z.number().int().nonnegative(),
  nodesFailed: z.array(z.string().max(64)).max(64),
});

export const FeedHealthSchema = z.object({
  symbols: z.number().int().nonnegative(),
  stale: z.number().int().nonnegative(),
});

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
  /** A subscriber's own load over the interval: what group scaling divides. */
  processing: ProcessingSchema.optional(),
  /** Subscriber group membership, for members of a group. */
  group: GroupStatusSchema.optional(),
  /** A metrics agent's own health over the interval. */
  agent: AgentHealthSchema.optional(),
  /**
   * The ingest's live feeds at the end of the interval, per exchange: symbols with live recovery
   * and how many of them are stale now (a level, not a count; recorded feeds report 0/0).
   */
  feedHealth: z.record(z.string(), FeedHealthSchema).optional(),
});
export type ServiceSummary = z.infer<typeof ServiceSummarySchema>;

/**
 * HDR's bucket layout for these histograms (lowest discernible 1 µs, 3 significant digits): values
 * under 2,048 have a bucket each; above, a bucket spans 2^k values where k = floor(log2 v) - 10.
 * A pending slot per bucket up to the highest trackable value (60 s): 18,432 slots.
 */
const SUB_BUCKETS = 2048;
const PENDING_SLOTS = ((31 - Math.clz32(HIGHEST_TRACKABLE_MICROS)) - 10 + 2) * 1024;

/** The pending slot of value `v` (integer µs): its HDR bucket. */
function slotOf(v: number): number {
  if (v < SUB_BUCKETS) return v;
  const shift = 21 - Math.clz32(v); // floor(log2 v) - 10
  return (shift << 10) + (v >> shift);
}

/** The lowest value of a slot's bucket: recording it counts in the same HDR bucket as any value of the slot. */
function valueOfSlot(slot: number): number {
  if (slot < SUB_BUCKETS) return slot;
  const shift = (slot >> 10) - 1;
  return (slot - (shift << 10)) << shift;
}

/**
 * One hop's histogram, with recording made cheap: hdr-histogram-js's recordValue costs a log2,
 * a pow and several calls per value (it was about a sixth of a subscriber's time at 50 symbols,
 * two values per message, and a tenth again in a backlog, where every value is milliseconds).
 * Values are counted per HDR bucket in an Int32Array (a shift and an add) and moved into the
 * HDR histogram (`recordValueWithCount` of each bucket's lowest value: the same buckets as
 * recording them one by one, so percentiles, min, max and counts are identical) whenever the
 * histogram is read.
 */
export class HopRecorder {
  private readonly pending = new Int32Array(PENDING_SLOTS);
  private pendingCount = 0;
  /** Pending slots lie in [low, high]: a flush scans only that range. */
  private low = PENDING_SLOTS;
  private high = -1;
  private maxSeen = -1;
  private minNonZeroSeen = Infinity;

  constructor(private readonly h: hdr.Histogram) {}

  /** Record one observation; negative values (clock skew across hosts) count as 0. */
  record(micros: number): void {
    const v = Math.min(Math.max(0, Math.round(micros)), HIGHEST_TRACKABLE_MICROS);
    const slot = slotOf(v);
    this.pending[slot]!++;
    this.pendingCount++;
    if (slot < this.low) this.low = slot;
    if (slot > this.high) this.high = slot;
    // HDR reports the exact largest and smallest non-zero values recorded, not their buckets'.
    if (v > this.maxSeen) this.maxSeen = v;
    if (v > 0 && v < this.minNonZeroSeen) this.minNonZeroSeen = v;
    // Keep counts far from int32 overflow.
    if (this.pendingCount >= 1 << 30) this.flush();
  }

  /** The HDR histogram with every recorded value in it. */
  histogram(): hdr.Histogram {
    this.flush();
    return this.h;
  }

  reset(): void {
    this.h.reset();
    if (this.pendingCount > 0) this.pending.fill(0, this.low, this.high + 1);
    this.clearRange();
  }

  private flush(): void {
    if (this.pendingCount === 0) return;
    const p = this.pending;
    const maxSlot = slotOf(this.maxSeen);
    const minSlot = this.minNonZeroSeen === Infinity ? -1 : slotOf(this.minNonZeroSeen);
    for (let slot = this.low; slot <= this.high; slot++) {
      let c = p[slot]!;
      if (c === 0) continue;
      p[slot] = 0;
      // The extremes as themselves (same bucket), so the histogram's max and min are exact.
      if (slot === maxSlot) { this.h.recordValue(this.maxSeen); c--; }
      if (slot === minSlot && c > 0 && this.minNonZeroSeen !== this.maxSeen) { this.h.recordValue(this.minNonZeroSeen); c--; }
      if (c > 0) this.h.recordValueWithCount(valueOfSlot(slot), c);
    }
    this.clearRange();
  }

  private clearRange(): void {
    this.pendingCount = 0;
    this.low = PENDING_SLOTS;
    this.high = -1;
    this.maxSeen = -1;
    this.minNonZeroSeen = Infinity;
  }
}

export class LatencyRecorder {
  private readonly hops = new Map<Hop, HopRecorder>();

  /** Record one observation; negative values (clock skew across hosts) count as 0. */
  record(hop: Hop, micros: number): void {
    (this.hops.get(hop) ?? this.hop(hop)).record(micros);
  }

  /** The recorder of one hop, for a hot path that records per message (no lookup per value). */
  hop(hop: Hop): HopRecorder {
    let r = this.hops.get(hop);
    if (!r) {
      r = new HopRecorder(hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: HIGHEST_TRACKABLE_MICROS, numberOfSignificantValueDigits: 3, autoResize: false }));
      this.hops.set(hop, r);
    }
    return r;
  }

  /**
   * The histogram behind `hop` (created empty if nothing was recorded yet), e.g. to ship it
   * whole: complete as of this call (read it again for values recorded later).
   */
  histogram(hop: Hop): hdr.Histogram {
    return this.hop(hop).histogram();
  }

  summary(): Partial<Record<Hop, HopSummary>> {
    const out: Partial<Record<Hop, HopSummary>> = {};
    for (const [hop, r] of this.hops) {
      const h = r.histogram();
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
    for (const r of this.hops.values()) r.reset();
  }

  /** One hop's histogram, compressed (to send across threads or processes); undefined if empty. */
  encoded(hop: Hop): string | undefined {
    const h = this.hops.get(hop)?.histogram();
    return h && h.totalCount > 0 ? hdr.encodeIntoCompressedBase64(h) : undefined;
  }
}

/**
 * Interval summaries from a cumulative histogram that someone else keeps (an ingest worker): each
 * call subtracts the previous cumulative copy, so percentiles describe the interval only.
 */
export class IntervalHop {
  private previous: hdr.Histogram | undefined;

  next(encodedCumulative: string | undefined): HopSummary | undefined {
    if (!encodedCumulative) return undefined;
    const cumulative = hdr.decodeFromCompressedBase64(encodedCumulative);
    const interval = hdr.decodeFromCompressedBase64(encodedCumulative);
    // A restarted worker starts a new cumulative histogram: then the whole of it is the interval.
    if (this.previous && this.previous.totalCount <= cumulative.totalCount) interval.subtract(this.previous);
    this.previous = cumulative;
    if (interval.totalCount === 0) return undefined;
    return {
      p50: interval.getValueAtPercentile(50),
      p99: interval.getValueAtPercentile(99),
      p999: interval.getValueAtPercentile(99.9),
      max: interval.getValueAtPercentile(100),
      count: interval.totalCount,
    };
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
