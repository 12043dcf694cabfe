/**
 * When a subscriber may send the next snapshot request for a book. Two bounds, whatever arrives:
 * - per book, the one backoff policy (`services/common/retry.ts`, `client.snapshotRetry`: from
 *   `baseMs` doubling to `maxMs`, plus the configured jitter) while the book keeps needing
 *   snapshots, even across short live spells (a book poisoned again after every resync stays
 *   backed off); it starts afresh after 4 x `maxMs` quiet;
 * - per subscriber, token buckets of `ratePerSecond` (burst of one second's worth), so a flood
 *   of made-up symbols or a mass resync cannot turn into a flood of requests. Books that have
 *   held a real book draw from one bucket, books never seen yet from another: a flood of made-up
 *   symbols (which never get a book) cannot starve the resync of real ones. At most twice the
 *   rate in total.
 * Pure apart from the clock and random source it is given.
 */
import { backoffDelay, type BackoffPolicy } from '../common/retry.js';

export interface PacerOptions {
  ratePerSecond: number;
  /** Per-book backoff between requests (its `random` is injectable for tests). */
  backoff: BackoffPolicy;
  now?: () => number;
}

interface BookPace { attempt: number; notBefore: number; lastAt: number }

export class SnapshotPacer<K> {
  private readonly books = new Map<K, BookPace>();
  private readonly buckets = [{ tokens: 0, at: 0 }, { tokens: 0, at: 0 }];
  private readonly now: () => number;
  /** Requests delayed by the subscriber-wide bucket (not by a book's own backoff). */
  throttled = 0;

  constructor(private readonly opts: PacerOptions) {
    this.now = opts.now ?? (() => performance.now());
    for (const b of this.buckets) { b.tokens = opts.ratePerSecond; b.at = this.now(); }
  }

  /**
   * Milliseconds to wait before `key` may send; 0 means send now (and the send is recorded).
   * `proven`: the book has held a real book before (it draws from its own bucket).
   */
  acquire(key: K, proven = false): number {
    const now = this.now();
    let p = this.books.get(key);
    // A book quiet for long (its last episode ended) starts its backoff afresh.
    if (p && now - p.lastAt > this.opts.backoff.maxMs * 4) p = undefined;
    if (!p) this.books.set(key, (p = { attempt: 0, notBefore: now, lastAt: now }));
    if (p.notBefore > now) return Math.ceil(p.notBefore - now);
    const bucket = this.buckets[proven ? 0 : 1]!;
    this.refill(bucket, now);
    if (bucket.tokens < 1) {
      this.throttled++;
      return Math.max(1, Math.ceil(((1 - bucket.tokens) * 1000) / this.opts.ratePerSecond));
    }
    bucket.tokens -= 1;
    p.notBefore = now + backoffDelay(p.attempt, this.opts.backoff);
    p.attempt = Math.min(p.attempt + 1, 30);
    p.lastAt = now;
    return 0;
  }

  /** The book is live again (or gone): its next episode starts without backoff. */
  reset(key: K): void {
    this.books.delete(key);
  }

  get tracked(): number { return this.books.size; }

  private refill(b: { tokens: number; at: number }, now: number): void {
    const r = this.opts.ratePerSecond;
    b.tokens = Math.min(r, b.tokens + ((now - b.at) * r) / 1000);
    b.at = now;
  }
}
