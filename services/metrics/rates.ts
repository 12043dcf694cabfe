/**
 * Turns nats-server's cumulative counters into per-second rates by differencing consecutive
 * samples. Pure: no clocks, no I/O; the caller passes each sample with its own timestamps.
 *
 * A restarted server starts its counters again from zero. The restart shows up as a new
 * server_id, a later start time, or any counter going down; in each case the previous sample
 * is useless as a baseline. If the restart happened inside the interval (start time after the
 * previous sample), everything the new process counted happened since its start, so the rate is
 * value / (now - start); otherwise the interval is skipped. Never a negative rate.
 */

export const RATE_COUNTERS = ['in_msgs', 'out_msgs', 'in_bytes', 'out_bytes'] as const;
export type RateCounter = (typeof RATE_COUNTERS)[number];

export interface CounterSample {
  /** nats-server `server_id`: changes on every process start. */
  serverId: string;
  /** Process start time (ms since epoch), from varz `start`. */
  startMs: number;
  /** Sample time (ms since epoch), from varz `now`: the server's clock, the same as `start`. */
  nowMs: number;
  counters: Record<RateCounter, number>;
  /** Cumulative slow consumers; reported as a per-interval count, not a rate. */
  slowConsumers: number;
}

export interface RateResult {
  /** Per-second rates over the interval. */
  rates: Record<RateCounter, number>;
  /** Slow consumers newly counted in the interval. */
  slowConsumers: number;
  intervalSeconds: number;
  /** True when a restart was detected and the rate was measured from the new process's start. */
  reset: boolean;
}

export type DiffOutcome =
  | { kind: 'rates'; result: RateResult }
  /** First sample, or a restart before the previous sample could baseline: nothing to report yet. */
  | { kind: 'baseline'; reason: 'first-sample' | 'reset-without-interval' | 'clock-not-advanced' };

export function isReset(prev: CounterSample, next: CounterSample): boolean {
  if (prev.serverId !== next.serverId || next.startMs > prev.startMs) return true;
  if (next.slowConsumers < prev.slowConsumers) return true;
  return RATE_COUNTERS.some((c) => next.counters[c] < prev.counters[c]);
}

function perSecond(counts: Record<RateCounter, number>, seconds: number): Record<RateCounter, number> {
  const out = {} as Record<RateCounter, number>;
  for (const c of RATE_COUNTERS) out[c] = counts[c] / seconds;
  return out;
}

/** Compare two consecutive samples of the same node. */
export function diffSamples(prev: CounterSample | undefined, next: CounterSample): DiffOutcome {
  if (!prev) return { kind: 'baseline', reason: 'first-sample' };
  if (isReset(prev, next)) {
    const sinceStart = (next.nowMs - next.startMs) / 1000;
    if (next.startMs < prev.nowMs || sinceStart <= 0) return { kind: 'baseline', reason: 'reset-without-interval' };
    return { kind: 'rates', result: { rates: perSecond(next.counters, sinceStart), slowConsumers: next.slowConsumers, intervalSeconds: sinceStart, reset: true } };
  }
  const seconds = (next.nowMs - prev.nowMs) / 1000;
  if (seconds <= 0) return { kind: 'baseline', reason: 'clock-not-advanced' };
  const deltas = {} as Record<RateCounter, number>;
  for (const c of RATE_COUNTERS) deltas[c] = next.counters[c] - prev.counters[c];
  return { kind: 'rates', result: { rates: perSecond(deltas, seconds), slowConsumers: next.slowConsumers - prev.slowConsumers, intervalSeconds: seconds, reset: false } };
}

/** Keeps the last sample per node and differences each new one against it. */
export class RateTracker {
  private readonly last = new Map<string, CounterSample>();

  observe(node: string, sample: CounterSample): DiffOutcome {
    const outcome = diffSamples(this.last.get(node), sample);
    // A sample whose clock did not advance is a duplicate; keep the older baseline.
    if (!(outcome.kind === 'baseline' && outcome.reason === 'clock-not-advanced')) this.last.set(node, sample);
    return outcome;
  }

  forget(node: string): void {
    this.last.delete(node);
  }
}
