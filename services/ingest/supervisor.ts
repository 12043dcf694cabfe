/**
 * Keeps an ingest worker thread alive. A worker that throws (or is killed) takes its books with
 * it, so the supervisor:
 * 1. logs the death at error level with the worker's own report (message, stack, the offending
 *    input), never silently;
 * 2. starts a replacement in rebuild mode (protocol.ts `rebuild`): it publishes a book again only
 *    from a venue snapshot, flagged RESET, so no subscriber is fed a book rebuilt from half the
 *    deltas;
 * 3. asks its owner to get those snapshots from the venue (`onRestarted`); an owner that cannot
 *    (the source has no way to resend) declares the ingest failed, and so does a worker that
 *    dies more than `maxRestarts` times within `windowMs` (a poison input the guard misses would
 *    otherwise loop forever). A failed ingest exits non-zero (IngestService.run rejects).
 * Updates routed while the replacement starts are held (bounded) and handed over in order.
 */
import { childLogger } from '../common/log.js';
import type { BookDump } from './publish-engine.js';
import type { FeedUpdate } from './feed-update.js';
import type { SourceStats } from './feed-update.js';
import type { WorkerInit, WorkerStats } from './protocol.js';
import { ThreadShard, type Shard } from './shards.js';

export interface SupervisorEvents {
  /** The replacement runs; get its books' snapshots from the venue. Throw (or reject) if impossible. */
  onRestarted(worker: number): void | Promise<void>;
  /** The worker cannot be kept running: the ingest has failed. */
  onFatal(err: Error): void;
}

export interface SupervisorOptions {
  maxRestarts?: number;
  windowMs?: number;
  /** Most updates held while a replacement starts; past it they are dropped (and counted). */
  maxHeld?: number;
}

export class SupervisedShard implements Shard {
  readonly inline = false;
  private current: ThreadShard;
  private init: WorkerInit;
  private lastCrash: { message: string; stack?: string; input?: string } | undefined;
  private readonly restartTimes: number[] = [];
  private held: FeedUpdate[] | undefined;
  private stopped = false;
  private failed = false;
  private readonly log = childLogger('ingest-supervisor');
  /** Called when `current` is replaced or the worker is given up on (feedsEnded follows it). */
  private onReplaced: Array<() => void> = [];
  restarts = 0;
  droppedWhileRestarting = 0;
  /** Stats of dead incarnations, so totals never go backwards. */
  private carried = { updates: 0, published: 0, publishedBytes: 0, snapshotRequests: 0 };

  constructor(init: WorkerInit, private readonly events: SupervisorEvents, private readonly opts: SupervisorOptions = {}) {
    this.init = init;
    this.current = this.spawn(init);
  }

  private spawn(init: WorkerInit): ThreadShard {
    return new ThreadShard(init, {
      onCrash: (r) => { this.lastCrash = r; },
      onExit: (code) => void this.onExit(code),
    });
  }

  start(): Promise<void> { return this.current.start(); }

  send(updates: FeedUpdate[]): void {
    if (this.held) {
      const room = (this.opts.maxHeld ?? 200_000) - this.held.length;
      if (room < updates.length) this.droppedWhileRestarting += updates.length - Math.max(0, room);
      if (room > 0) this.held.push(...updates.slice(0, room));
      return;
    }
    this.current.send(updates);
  }

  sendOne(update: FeedUpdate): void { this.send([update]); }

  stats(): WorkerStats {
    const s = this.current.stats();
    const c = this.carried;
    return { ...s, updates: s.updates + c.updates, published: s.published + c.published, publishedBytes: s.publishedBytes + c.publishedBytes, snapshotRequests: s.snapshotRequests + c.snapshotRequests, restarts: this.restarts };
  }

  dump(): Promise<BookDump[]> { return this.current.dump(); }
  report(): Promise<WorkerStats> { return this.current.report(); }

  /**
   * The live feeds this worker runs end when the incarnation running them ends them, not when it
   * dies: a replacement starts the same feeds again (WorkerInit.feeds), so follow it.
   */
  async feedsEnded(): Promise<SourceStats[]> {
    for (;;) {
      const cur = this.current;
      const replaced = new Promise<undefined>((resolve) => this.onReplaced.push(() => resolve(undefined)));
      const stats = await Promise.race([cur.feedsEnded(), replaced]);
      if (stats && this.current === cur) return stats;
      if (this.failed) return stats ?? [];
    }
  }

  promote(epoch: number, replayWindowMs: number): void {
    this.init = { ...this.init, epoch, publishing: true };
    this.current.promote(epoch, replayWindowMs);
  }

  demote(): void {
    this.init = { ...this.init, publishing: false };
    this.current.demote();
  }

  /** Kill the thread as a crash would (tests, drills). */
  kill(): Promise<number> { return this.current.kill(); }

  async stop(): Promise<WorkerStats> {
    this.stopped = true;
    await this.current.stop();
    return this.stats();
  }

  private async onExit(code: number): Promise<void> {
    if (this.stopped || this.failed) return;
    const crash = this.lastCrash;
    this.lastCrash = undefined;
    const dead = this.current.stats();
    this.carried.updates += dead.updates;
    this.carried.published += dead.published;
    this.carried.publishedBytes += dead.publishedBytes;
    this.carried.snapshotRequests += dead.snapshotRequests;
    this.log.error({ worker: this.init.worker, exitCode: code, err: crash?.message ?? 'killed', stack: crash?.stack, input: crash?.input, restarts: this.restarts }, 'ingest worker died; restarting it and rebuilding its books from venue snapshots');
    const now = performance.now();
    const windowMs = this.opts.windowMs ?? 60_000;
    while (this.restartTimes.length && now - this.restartTimes[0]! > windowMs) this.restartTimes.shift();
    if (this.restartTimes.length >= (this.opts.maxRestarts ?? 5)) {
      return this.fail(new Error(`ingest worker ${this.init.worker} died ${this.restartTimes.length + 1} times within ${windowMs} ms (last: ${crash?.message ?? `exit ${code}`}); giving up`));
    }
    this.restartTimes.push(now);
    this.held = [];
    this.current = this.spawn({ ...this.init, rebuild: true });
    this.replaced();
    try {
      await this.current.start();
    } catch (err) {
      return this.fail(new Error(`ingest worker ${this.init.worker} could not be restarted: ${(err as Error).message}`));
    }
    this.restarts++;
    const held = this.held;
    this.held = undefined;
    if (held.length) this.current.send(held);
    try {
      await this.events.onRestarted(this.init.worker);
      this.log.warn({ worker: this.init.worker, restarts: this.restarts, held: held.length, dropped: this.droppedWhileRestarting }, 'ingest worker restarted; its books publish again as venue snapshots arrive');
    } catch (err) {
      this.fail(err as Error);
    }
  }

  private replaced(): void {
    const waiting = this.onReplaced;
    this.onReplaced = [];
    for (const f of waiting) f();
  }

  private fail(err: Error): void {
    this.failed = true;
    this.replaced();
    this.held = undefined;
    this.log.fatal({ worker: this.init.worker, err: err.message }, 'ingest failed');
    this.events.onFatal(err);
  }
}
