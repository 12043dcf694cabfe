/**
 * The one backoff policy every reconnect and retry path uses (WebSocket feeds, venue recovery,
 * subscriber snapshot requests, the CloudWatch sink, the AWS drill caller): exponential growth
 * from `baseMs`, capped at `maxMs`, with jitter so that many clients failing together do not
 * retry together. Cancellable through an AbortSignal. No I/O beyond timers.
 */

export interface BackoffPolicy {
  /** Delay before the first retry (attempt 0), before jitter. */
  baseMs: number;
  /** Ceiling of the exponential part. */
  maxMs: number;
  /**
   * `full`: uniform in [0, min(max, base * 2^attempt)] (AWS's recommendation for throttling).
   * A number: min(max, base * 2^attempt) plus uniform [0, jitterMs) (reconnects: never instant).
   */
  jitter: 'full' | number;
  /** Injectable for tests. */
  random?: () => number;
}

/** The delay before retry number `attempt` (0-based). */
export function backoffDelay(attempt: number, p: BackoffPolicy): number {
  const rnd = p.random ?? Math.random;
  // 2^31 already exceeds any sane cap; clamping the exponent keeps the arithmetic finite.
  const exp = Math.min(p.maxMs, p.baseMs * 2 ** Math.min(Math.max(0, attempt), 31));
  if (p.jitter === 'full') return Math.floor(rnd() * exp);
  return Math.floor(exp + rnd() * p.jitter);
}

export class AbortedError extends Error {
  constructor(what = 'aborted') {
    super(what);
    this.name = 'AbortError';
  }
}

/** Resolves after `ms`, or rejects with AbortedError as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(new AbortedError());
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AbortedError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, Math.max(0, ms));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export interface RetryOptions extends BackoffPolicy {
  /** Retries after the first attempt (so at most retries + 1 calls). Infinity retries forever. */
  retries: number;
  /** Whether an error is worth another attempt; default: every error is. */
  retryable?: (err: unknown, attempt: number) => boolean;
  /** Called before each wait, e.g. to log or count. */
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
  signal?: AbortSignal;
  /** Injectable for tests (default: `sleep`). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/**
 * Call `fn` until it resolves, an error is not retryable, the retries run out (the last error
 * is thrown) or `signal` aborts (AbortedError).
 */
export async function retry<T>(fn: (attempt: number) => Promise<T>, o: RetryOptions): Promise<T> {
  const wait = o.sleep ?? sleep;
  for (let attempt = 0; ; attempt++) {
    if (o.signal?.aborted) throw new AbortedError();
    try {
      return await fn(attempt);
    } catch (err) {
      if (err instanceof AbortedError || o.signal?.aborted) throw err;
      if (attempt >= o.retries || (o.retryable && !o.retryable(err, attempt))) throw err;
      const delay = backoffDelay(attempt, o);
      o.onRetry?.(err, attempt, delay);
      await wait(delay, o.signal);
    }
  }
}

/**
 * Attempt counter for loops that are event-driven rather than awaited (a socket's close event
 * schedules the next connect): `next()` gives the delay for the next try, `reset()` after success.
 */
export class Backoff {
  private attempt = 0;
  constructor(private readonly policy: BackoffPolicy) {}
  get attempts(): number { return this.attempt; }
  next(): number { return backoffDelay(this.attempt++, this.policy); }
  reset(): void { this.attempt = 0; }
}
