/**
 * When a subscriber may send the next snapshot request for a book. Two bounds, whatever arrives:
 * - per book, exponential backoff with jitter (50 ms doubling to `maxMs`, each delay drawn from
 *   [d/2, d]) while the book keeps needing snapshots, even across short live spells (a book
 *   poisoned again after every resync stays backed off); it starts afresh after 4 x `maxMs` quiet;
 * - per subscriber, a token bucket of `ratePerSecond` (burst of one second's worth), so a flood
 *   of made-up symbols or a mass resync cannot turn into a flood of requests.
 * Pure apart from the clock and random source it is given.
 */
export interface PacerOptions {
  ratePerSecond: number;
  maxMs: number;
  baseMs?: number;
  now?: () => number;
  random?: () => number;
}

interface BookPace { attempt: number; notBefore: number; lastAt: number }

export class SnapshotPacer<K> {
  private readonly books = new Map<K, BookPace>();
  private tokens: number;
  private refilledAt: number;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly baseMs: number;
  /** Requests delayed by the subscriber-wide bucket (not by a book's own backoff). */
  throttled = 0;

  constructor(private readonly opts: PacerOptions) {
    this.now = opts.now ?? (() => performance.now());
    this.random = opts.random ?? Math.random;
    this.baseMs = opts.baseMs ?? 50;
    this.tokens = opts.ratePerSecond;
    this.refilledAt = this.now();
  }

  /** Milliseconds to wait before `key` may send; 0 means send now (and the send is recorded). */
  acquire(key: K): number {
    const now = this.now();
    let p = this.books.get(key);
    // A book quiet for long (its last episode ended) starts its backoff afresh.
    if (p && now - p.lastAt > this.opts.maxMs * 4) p = undefined;
    if (!p) this.books.set(key, (p = { attempt: 0, notBefore: now, lastAt: now }));
    if (p.notBefore > now) return Math.ceil(p.notBefore - now);
    this.refill(now);
    if (this.tokens < 1) {
      this.throttled++;
      return Math.max(1, Math.ceil(((1 - this.tokens) * 1000) / this.opts.ratePerSecond));
    }
    this.tokens -= 1;
    const d = Math.min(this.opts.maxMs, this.baseMs * 2 ** p.attempt);
    p.attempt = Math.min(p.attempt + 1, 30);
    p.notBefore = now + d / 2 + (this.random() * d) / 2;
    p.lastAt = now;
    return 0;
  }

  /** The book is live again (or gone): its next episode starts without backoff. */
  reset(key: K): void {
    this.books.delete(key);
  }

  get tracked(): number { return this.books.size; }

  private refill(now: number): void {
    const r = this.opts.ratePerSecond;
    this.tokens = Math.min(r, this.tokens + ((now - this.refilledAt) * r) / 1000);
    this.refilledAt = now;
  }
}
