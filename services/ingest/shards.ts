/**
 * A shard of symbols and who runs it: a worker thread (ThreadShard) or the ingest's own thread
 * (InlineShard, `workers: 0`). The service routes to either the same way.
 */
import { Worker } from 'node:worker_threads';
import type { BookDump, BookSlot } from './publish-engine.js';
import type { FeedUpdate, SourceStats } from './feed-update.js';
import type { FromWorker, ToWorker, WorkerInit, WorkerStats } from './protocol.js';
import { childLogger } from '../common/log.js';
import { PublisherCore } from './publisher-core.js';

const log = childLogger('ingest-shard');

export interface Shard {
  start(): Promise<void>;
  send(updates: FeedUpdate[]): void;
  /** Inline shards apply at once: batching only pays for a thread hand-off. */
  readonly inline: boolean;
  /** `slot`: the router's entry for the book (an inline shard's engine keeps its state there). */
  sendOne(update: FeedUpdate, slot?: BookSlot): void;
  /** Latest stats; withHistogram asks for the compressed latency histogram (inline shards only compute it on request). */
  stats(withHistogram?: boolean): WorkerStats;
  dump(): Promise<BookDump[]>;
  /** Stats as they stand once everything sent before this call was applied. */
  report(): Promise<WorkerStats>;
  promote(epoch: number, replayWindowMs: number): void;
  demote(): void;
  stop(): Promise<WorkerStats>;
  /** The live feeds the shard runs itself (WorkerInit.feeds): resolves with their stats when they end. */
  feedsEnded(): Promise<SourceStats[]>;
}

export class InlineShard implements Shard {
  private readonly core: PublisherCore;
  constructor(init: WorkerInit) { this.core = new PublisherCore(init); }
  private feeds: Promise<SourceStats[]> = Promise.resolve([]);
  async start(): Promise<void> {
    await this.core.connect();
    this.feeds = this.core.startFeeds();
  }
  feedsEnded(): Promise<SourceStats[]> { return this.feeds; }
  readonly inline = true;
  send(updates: FeedUpdate[]): void { this.core.apply(updates); }
  sendOne(update: FeedUpdate, slot?: BookSlot): void { this.core.applyOne(update, slot); }
  stats(withHistogram = false): WorkerStats { return this.core.currentStats(withHistogram); }
  dump(): Promise<BookDump[]> { return Promise.resolve(this.core.dump()); }
  report(): Promise<WorkerStats> { return Promise.resolve(this.core.currentStats()); }
  promote(epoch: number, replayWindowMs: number): void { this.core.promote(epoch, replayWindowMs); }
  demote(): void { this.core.demote(); }
  stop(): Promise<WorkerStats> { return this.core.stop(); }
}

/** What a ThreadShard reports about its thread's end (supervisor.ts acts on it). */
export interface ThreadHooks {
  onCrash?(report: { message: string; stack?: string; input?: string }): void;
  /** The thread ended without being asked to stop. */
  onExit?(code: number): void;
}

export class ThreadShard implements Shard {
  private readonly worker: Worker;
  private stopping = false;
  private latest: WorkerStats;
  private dumpId = 0;
  private readonly dumps = new Map<number, (b: BookDump[]) => void>();
  private readonly reports = new Map<number, (s: WorkerStats) => void>();
  /** The thread has ended: requests posted now would never be answered. */
  private exited = false;
  private started = false;
  private endFeeds!: (s: SourceStats[]) => void;
  private readonly feeds = new Promise<SourceStats[]>((r) => { this.endFeeds = r; });

  constructor(private readonly init: WorkerInit, private readonly hooks: ThreadHooks = {}) {
    this.worker = new Worker(new URL('./worker-entry.mjs', import.meta.url));
    this.latest = { worker: init.worker, updates: 0, published: 0, publishedBytes: 0, snapshotRequests: 0, symbols: 0, perExchange: {} };
  }

  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.worker.on('message', (m: FromWorker) => {
        if (m.type === 'ready') { this.started = true; resolve(); }
        else if (m.type === 'error') {
          const err = new Error(`ingest worker ${m.worker}: ${m.message}`);
          // After start an error has no promise to reject: it must still be seen.
          if (this.started) log.error({ worker: m.worker, err: m.message }, 'ingest worker reported an error');
          reject(err);
        }
        else if (m.type === 'stats' || m.type === 'stopped') {
          // Keep the last histogram the worker sent until a newer one arrives.
          this.latest = m.stats.ingestToPublishHist || !this.latest.ingestToPublishHist ? m.stats : { ...m.stats, ingestToPublishHist: this.latest.ingestToPublishHist };
        }
        else if (m.type === 'dump') { this.dumps.get(m.id)?.(m.books); this.dumps.delete(m.id); }
        else if (m.type === 'report') { this.latest = { ...m.stats, ...(this.latest.ingestToPublishHist ? { ingestToPublishHist: this.latest.ingestToPublishHist } : {}) }; this.reports.get(m.id)?.(m.stats); this.reports.delete(m.id); }
        else if (m.type === 'feeds-ended') this.endFeeds(m.sources);
        else if (m.type === 'crash') this.hooks.onCrash?.(m);
      });
      // An uncaught exception in the thread: reported here, then 'exit' follows.
      this.worker.on('error', (err) => this.hooks.onCrash?.({ message: err.message, stack: err.stack }));
      this.worker.on('exit', (code) => {
        this.exited = true;
        for (const resolve of this.dumps.values()) resolve([]);
        this.dumps.clear();
        for (const resolve of this.reports.values()) resolve(this.latest);
        this.reports.clear();
        if (!this.stopping) this.hooks.onExit?.(code);
      });
      this.worker.once('error', reject);
      this.worker.once('exit', (code) => reject(new Error(`ingest worker ${this.init.worker} exited with code ${code} while starting`)));
      this.post(this.init);
    });
  }

  readonly inline = false;
  private post(m: ToWorker): void { this.worker.postMessage(m); }
  send(updates: FeedUpdate[]): void { this.post({ type: 'batch', updates }); }
  sendOne(update: FeedUpdate): void { this.send([update]); }
  stats(): WorkerStats { return this.latest; }
  feedsEnded(): Promise<SourceStats[]> { return this.init.feeds?.length ? this.feeds : Promise.resolve([]); }
  promote(epoch: number, replayWindowMs: number): void { this.post({ type: 'promote', epoch, replayWindowMs }); }
  demote(): void { this.post({ type: 'demote' }); }

  dump(): Promise<BookDump[]> {
    // A thread that ended answers nothing: its books are gone.
    if (this.exited) return Promise.resolve([]);
    const id = ++this.dumpId;
    return new Promise((resolve) => { this.dumps.set(id, resolve); this.post({ type: 'dump', id }); });
  }

  report(): Promise<WorkerStats> {
    // Asked after the thread ended (a source finishing after stop()): its last stats are final.
    if (this.exited) return Promise.resolve(this.latest);
    const id = ++this.dumpId;
    return new Promise((resolve) => { this.reports.set(id, resolve); this.post({ type: 'report', id }); });
  }

  /** End the thread at once, as a crash would (tests and drills). */
  kill(): Promise<number> {
    return this.worker.terminate();
  }

  stop(): Promise<WorkerStats> {
    this.stopping = true;
    return new Promise((resolve) => {
      const timer = setTimeout(() => { void this.worker.terminate(); resolve(this.latest); }, 5000);
      this.worker.once('exit', () => { clearTimeout(timer); this.endFeeds(this.latest.sources ?? []); resolve(this.latest); });
      this.post({ type: 'stop' });
    });
  }
}
