/**
 * Per-symbol book recovery for a live venue: the generic half of "a live book never freezes".
 * When the venue sync says a symbol needs a snapshot (a gap, a checksum mismatch, a crossed book,
 * a reconnect), the symbol is marked stale (one `stale` update, so the published book is never
 * taken as current), and the venue's own recovery procedure is run with backoff and jitter until
 * a snapshot brings it back. Counters per symbol: gaps, recoveries, attempts, time stale.
 */
import { childLogger } from '../../common/log.js';
import { Backoff, type BackoffPolicy } from '../../common/retry.js';
import type { LiveVenue, RecoveryIo } from '../../feeds/live.js';
import type { SymbolHealth } from '../feed-update.js';

export interface RecoveryPolicy {
  backoff: BackoffPolicy;
  /** A resubscribe that brought no snapshot within this long is tried again. */
  timeoutMs: number;
}

interface SymbolState {
  health: SymbolHealth;
  staleSince?: number;
  backoff: Backoff;
  timer?: NodeJS.Timeout;
  /** An attempt (e.g. a REST fetch) is running. */
  running: boolean;
}

export class RecoveryTracker {
  private readonly symbols = new Map<string, SymbolState>();
  private readonly log = childLogger('feed-recovery');
  /** Recovery runs only while connected (a resubscribe needs an open socket). */
  private active = false;
  private stopped = false;

  constructor(
    private readonly venue: LiveVenue,
    private readonly policy: RecoveryPolicy,
    private readonly io: RecoveryIo,
    /** Publish the symbol as stale (only called for symbols that were published before). */
    private readonly markStale: (symbol: string) => void,
    private readonly now: () => number = () => performance.now(),
  ) {
    for (const s of venue.symbols) this.symbols.set(s, { health: { gaps: 0, recoveries: 0, attempts: 0, staleMs: 0, stale: false }, backoff: new Backoff(policy.backoff), running: false });
  }

  /** Counters per symbol, with the current stale period counted up to now. */
  health(): Record<string, SymbolHealth> {
    const out: Record<string, SymbolHealth> = {};
    const t = this.now();
    for (const [s, st] of this.symbols) out[s] = { ...st.health, staleMs: Math.round(st.health.staleMs + (st.staleSince !== undefined ? t - st.staleSince : 0)) };
    return out;
  }

  isStale(symbol: string): boolean {
    return this.symbols.get(symbol)?.staleSince !== undefined;
  }

  /**
   * After a frame whose sync reported problems: any symbol that now needs a snapshot and is not
   * already being recovered has lost sync.
   */
  scan(): void {
    for (const s of this.venue.symbols) if (this.venue.needsSnapshot(s) && !this.isStale(s) && this.venue.book(s)) this.lost(s);
  }

  /** A symbol lost sync (gap or reconnect): mark it stale and, if connected, start recovering. */
  lost(symbol: string): void {
    const st = this.symbols.get(symbol);
    if (!st || st.staleSince !== undefined) return;
    st.health.gaps++;
    st.health.stale = true;
    st.staleSince = this.now();
    st.backoff.reset();
    this.log.warn({ venue: this.venue.name, symbol }, 'book lost sync with the venue; marked stale, recovering');
    this.markStale(symbol);
    if (this.active) this.schedule(symbol, st, st.backoff.next());
  }

  /** Called for every snapshot the venue sync applied: a stale symbol that is now in sync is recovered. */
  applied(symbol: string): void {
    const st = this.symbols.get(symbol);
    if (!st || st.staleSince === undefined || this.venue.needsSnapshot(symbol)) return;
    const ms = this.now() - st.staleSince;
    st.health.staleMs += ms;
    st.health.recoveries++;
    st.health.stale = false;
    st.staleSince = undefined;
    clearTimeout(st.timer);
    st.timer = undefined;
    st.backoff.reset();
    this.log.info({ venue: this.venue.name, symbol, staleMs: Math.round(ms), attempts: st.health.attempts }, 'book recovered');
  }

  /**
   * The connection is open and subscribed: every symbol not in sync is recovered. Venues that
   * snapshot on subscribe get `timeoutMs` for that snapshot before a first explicit attempt.
   */
  connected(): void {
    this.active = true;
    for (const [s, st] of this.symbols) {
      if (!this.venue.needsSnapshot(s)) continue;
      st.backoff.reset();
      this.schedule(s, st, this.venue.snapshotOnSubscribe ? this.policy.timeoutMs : st.backoff.next());
    }
  }

  /** The connection dropped: every published book may have missed messages. */
  disconnected(): void {
    this.active = false;
    for (const [s, st] of this.symbols) {
      clearTimeout(st.timer);
      st.timer = undefined;
      if (this.venue.book(s)) {
        this.venue.invalidate(s);
        this.lost(s);
      }
    }
  }

  stop(): void {
    this.stopped = true;
    this.active = false;
    for (const st of this.symbols.values()) clearTimeout(st.timer);
  }

  private schedule(symbol: string, st: SymbolState, delayMs: number): void {
    clearTimeout(st.timer);
    st.timer = setTimeout(() => void this.attempt(symbol, st), delayMs);
    st.timer.unref?.();
  }

  private async attempt(symbol: string, st: SymbolState): Promise<void> {
    st.timer = undefined;
    if (this.stopped || !this.active || st.running || !this.venue.needsSnapshot(symbol)) return;
    st.running = true;
    st.health.attempts++;
    let failed: string | undefined;
    try {
      await this.venue.recover(symbol, this.io);
    } catch (err) {
      failed = err instanceof Error ? err.message : String(err);
    } finally {
      st.running = false;
    }
    if (this.stopped || !this.active || !this.venue.needsSnapshot(symbol)) return;
    const delay = st.backoff.next();
    if (failed !== undefined) this.log.warn({ venue: this.venue.name, symbol, err: failed, retryInMs: delay }, 'book recovery attempt failed');
    // A resubscribe is answered asynchronously: give the snapshot time to arrive before asking again.
    this.schedule(symbol, st, this.venue.snapshotOnSubscribe ? Math.max(delay, this.policy.timeoutMs) : delay);
  }
}
