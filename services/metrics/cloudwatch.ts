/**
 * CloudWatch PutMetricData batcher. The agent calls `enqueue` (synchronous, never waits on AWS);
 * a timer drains the queue in requests of at most 1000 metric data (the documented per-request
 * limit; our data are far below the 1 MB body limit). Throttling and 5xx answers are retried with
 * exponential backoff and full jitter; a batch that still fails goes back to the front of the
 * queue. The queue is bounded: when it is full the oldest points are dropped, counted and logged,
 * never silently. Rejections AWS will never accept (bad parameters, access denied) are counted and
 * logged as such and not retried.
 */
import { CloudWatchClient, PutMetricDataCommand, type MetricDatum } from '@aws-sdk/client-cloudwatch';
import { METRICS } from '../../config/metrics.js';
import { childLogger } from '../common/log.js';
import { backoffDelay as policyDelay, retry } from '../common/retry.js';
import type { MetricPoint } from './points.js';

/** PutMetricData: "Each request is also limited to no more than 1000 different metrics." */
export const MAX_DATA_PER_REQUEST = 1000;

export interface CloudWatchEmitterOptions {
  namespace: string;
  /** 1 = high resolution, 60 = standard. */
  storageResolution: 1 | 60;
  /** Points held while AWS is slow or down; past it the oldest go. */
  maxQueue?: number;
  batchSize?: number;
  /** Attempts per request, first included. */
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface EmitterStats {
  sent: number;
  requests: number;
  retries: number;
  /** Points dropped because the queue overflowed (AWS slow, throttling or down). */
  dropped: number;
  /** Points AWS refused for good (non-retryable error) or that were not finite numbers. */
  rejected: number;
  queued: number;
  lastError?: string;
}

const RETRYABLE_NAMES = new Set(['Throttling', 'ThrottlingException', 'ThrottledException', 'RequestLimitExceeded', 'TooManyRequestsException', 'ServiceUnavailable', 'InternalServiceFault', 'InternalServiceError', 'InternalFailure', 'RequestTimeout', 'TimeoutError']);

export function isRetryable(err: unknown): boolean {
  const e = err as { name?: string; $retryable?: unknown; $metadata?: { httpStatusCode?: number }; code?: string };
  if (e?.$retryable) return true;
  if (e?.name && RETRYABLE_NAMES.has(e.name)) return true;
  const status = e?.$metadata?.httpStatusCode;
  if (status === 429 || (status !== undefined && status >= 500)) return true;
  // Network failures (no HTTP answer at all) are worth another try.
  return e?.code === 'ECONNRESET' || e?.code === 'ETIMEDOUT' || e?.code === 'ECONNREFUSED';
}

/** Full-jitter exponential backoff: uniform in [0, min(max, base * 2^attempt)]. */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: () => number): number {
  return policyDelay(attempt, { baseMs, maxMs, jitter: 'full', random });
}

export function toDatum(p: MetricPoint, storageResolution: 1 | 60): MetricDatum {
  const def = METRICS[p.metric];
  return {
    MetricName: def.name,
    Dimensions: def.dimensions.map((d) => ({ Name: d, Value: p.dimensions[d]! })),
    Unit: def.unit,
    Value: p.value,
    Timestamp: new Date(p.timestamp),
    StorageResolution: storageResolution,
  };
}

export class CloudWatchEmitter {
  private queue: MetricPoint[] = [];
  private inflight: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly log = childLogger('cloudwatch');
  readonly stats: EmitterStats = { sent: 0, requests: 0, retries: 0, dropped: 0, rejected: 0, queued: 0 };
  private readonly o: Required<CloudWatchEmitterOptions>;

  constructor(private readonly client: CloudWatchClient, options: CloudWatchEmitterOptions) {
    this.o = {
      maxQueue: 20_000,
      batchSize: MAX_DATA_PER_REQUEST,
      maxAttempts: 5,
      baseDelayMs: 200,
      maxDelayMs: 10_000,
      random: Math.random,
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      ...options,
    };
    if (this.o.batchSize < 1 || this.o.batchSize > MAX_DATA_PER_REQUEST) throw new RangeError(`batchSize must be 1..${MAX_DATA_PER_REQUEST}, got ${this.o.batchSize}`);
  }

  /** Never blocks and never throws: the caller may be on the data path. */
  enqueue(points: readonly MetricPoint[]): void {
    let invalid = 0;
    for (const p of points) {
      // CloudWatch rejects NaN and infinities; keep them out of a batch they would poison.
      if (Number.isFinite(p.value)) this.queue.push(p);
      else invalid++;
    }
    if (invalid > 0) {
      this.stats.rejected += invalid;
      this.log.warn({ invalid }, 'non-finite metric values not sent');
    }
    this.trim();
  }

  private trim(): void {
    const over = this.queue.length - this.o.maxQueue;
    if (over > 0) {
      this.queue.splice(0, over);
      this.stats.dropped += over;
      this.log.warn({ dropped: over, totalDropped: this.stats.dropped, lastError: this.stats.lastError }, 'CloudWatch queue full: oldest metric points dropped');
    }
    this.stats.queued = this.queue.length;
  }

  start(intervalMs: number): this {
    this.timer = setInterval(() => void this.flush(), intervalMs);
    this.timer.unref();
    return this;
  }

  /** Send everything queued now; concurrent callers share one drain. */
  flush(): Promise<void> {
    this.inflight ??= this.drain().finally(() => (this.inflight = undefined));
    return this.inflight;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.o.batchSize);
      this.stats.queued = this.queue.length;
      const outcome = await this.send(batch);
      if (outcome === 'retry-later') {
        // Keep the points (newest win if the queue overflows meanwhile) and try on the next tick.
        this.queue.unshift(...batch);
        this.trim();
        return;
      }
    }
  }

  private async send(batch: MetricPoint[]): Promise<'sent' | 'rejected' | 'retry-later'> {
    const input = { Namespace: this.o.namespace, MetricData: batch.map((p) => toDatum(p, this.o.storageResolution)) };
    try {
      await retry(async (attempt) => {
        if (attempt > 0) this.stats.retries++;
        this.stats.requests++;
        await this.client.send(new PutMetricDataCommand(input));
      }, {
        baseMs: this.o.baseDelayMs, maxMs: this.o.maxDelayMs, jitter: 'full', random: this.o.random, sleep: this.o.sleep,
        retries: this.o.maxAttempts - 1,
        retryable: isRetryable,
        onRetry: (err, attempt) => {
          this.stats.lastError = describeAwsError(err);
          this.log.warn({ error: this.stats.lastError, attempt: attempt + 1, of: this.o.maxAttempts }, 'PutMetricData throttled or failed; backing off');
        },
      });
      this.stats.sent += batch.length;
      return 'sent';
    } catch (err) {
      this.stats.lastError = describeAwsError(err);
      if (!isRetryable(err)) {
        this.stats.rejected += batch.length;
        this.log.error({ error: this.stats.lastError, points: batch.length }, 'CloudWatch refused metric data; not retried');
        return 'rejected';
      }
      this.log.warn({ error: this.stats.lastError, attempts: this.o.maxAttempts }, 'PutMetricData still failing; batch kept for the next tick');
    }
    return 'retry-later';
  }
}

export function describeAwsError(err: unknown): string {
  const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = e?.$metadata?.httpStatusCode ? ` (HTTP ${e.$metadata.httpStatusCode})` : '';
  return `${e?.name ?? 'Error'}: ${e?.message ?? String(err)}${status}`;
}
