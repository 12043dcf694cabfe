/**
 * The ingest service: runs the configured feed sources, shards their updates by symbol across
 * worker threads (each owning its books and NATS connection), and reports what it did.
 * Updates are batched per worker (by count, or at the end of the current event-loop turn) so
 * thread hand-off costs one postMessage per batch rather than per update.
 */
import { Worker } from 'node:worker_threads';
import type { DsmConfig } from '../../config/schema.js';
import { liveStamp } from '../feeds/capture/stamp.js';
import { childLogger } from '../common/log.js';
import type { FeedUpdate, SourceStats } from './feed-update.js';
import type { BookDump } from './publish-engine.js';
import type { FromWorker, ToWorker, WorkerStats } from './protocol.js';
import { shardOf } from './shard.js';
import { paced, type Pace } from './sources/pacing.js';
import { sourceFor, type FeedSource } from './sources/index.js';

export interface IngestOptions {
  config: DsmConfig;
  tlsDir: string;
  /** Repository root that config paths are relative to. */
  root: string;
  pace: Pace;
  identity?: string;
  servers?: string[];
  workers?: number;
  epoch?: number;
  publisherId?: string;
  /** false: a warm standby that keeps books but publishes nothing until promoted. */
  publishing?: boolean;
  /** Only these exchanges (default: every configured one whose feed can run here). */
  exchanges?: string[];
  /** Sources to run instead of the configured ones (tests, benchmarks). */
  sources?: FeedSource[];
}

interface WorkerHandle {
  worker: Worker;
  batch: FeedUpdate[];
  stats: WorkerStats;
}

export class IngestService {
  readonly sources: FeedSource[];
  private readonly workers: WorkerHandle[] = [];
  private readonly batchMessages: number;
  private flushScheduled = false;
  private dumpId = 0;
  private readonly pendingDumps = new Map<number, { remaining: number; books: BookDump[]; resolve: (b: BookDump[]) => void }>();
  private readonly log = childLogger('ingest');
  private aborted = new AbortController();
  routed = 0;

  constructor(private readonly opts: IngestOptions) {
    const cfg = opts.config;
    const wanted = opts.exchanges ? new Set(opts.exchanges) : undefined;
    this.sources = opts.sources ?? cfg.exchanges.filter((ex) => (wanted ? wanted.has(ex.name) : true)).map((ex) => sourceFor(ex, opts.root, cfg.client));
    this.batchMessages = cfg.ingest.batchMessages;
  }

  get workerCount(): number { return this.opts.workers ?? this.opts.config.ingest.workers; }

  async start(): Promise<void> {
    const ready: Array<Promise<void>> = [];
    for (let i = 0; i < this.workerCount; i++) {
      const worker = new Worker(new URL('./worker-entry.mjs', import.meta.url));
      const handle: WorkerHandle = { worker, batch: [], stats: { worker: i, updates: 0, published: 0, publishedBytes: 0, snapshotRequests: 0, symbols: 0, perExchange: {} } };
      this.workers.push(handle);
      ready.push(new Promise((resolve, reject) => {
        worker.on('message', (m: FromWorker) => {
          if (m.type === 'ready') resolve();
          else if (m.type === 'error') reject(new Error(`ingest worker ${m.worker}: ${m.message}`));
          else if (m.type === 'stats' || m.type === 'stopped') handle.stats = m.stats;
          else if (m.type === 'dump') this.onDump(m.id, m.books);
        });
        worker.once('error', reject);
      }));
      const init: ToWorker = {
        type: 'init', config: this.opts.config, worker: i, tlsDir: this.opts.tlsDir, identity: this.opts.identity ?? 'ingest', servers: this.opts.servers,
        epoch: this.opts.epoch ?? 1, publishing: this.opts.publishing ?? true, publisherId: this.opts.publisherId ?? 'ingest',
      };
      worker.postMessage(init);
    }
    await Promise.all(ready);
    this.log.info({ workers: this.workerCount, sources: this.sources.map((s) => s.stats.source) }, 'ingest started');
  }

  /** Run every source to its end (or until stopped); resolves with their stats. */
  async run(pace: Pace = this.opts.pace): Promise<SourceStats[]> {
    await Promise.all(this.sources.map(async (src) => {
      for await (const u of paced(src.updates(), pace, this.aborted.signal)) this.route(u);
    }));
    this.flush();
    return this.sources.map((s) => s.stats);
  }

  /** Hand one update to the worker that owns its symbol. */
  route(u: FeedUpdate): void {
    // Receive time is when the pipeline takes the update in (after any replay pacing).
    const stamp = liveStamp();
    u.recvMonoNs = stamp.recvMonoNs;
    u.recvWallUs = stamp.recvWallUs;
    const h = this.workers[shardOf(u.exchange, u.symbol, this.workers.length)]!;
    h.batch.push(u);
    this.routed++;
    if (h.batch.length >= this.batchMessages) this.flushWorker(h);
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  flush(): void {
    this.flushScheduled = false;
    for (const h of this.workers) this.flushWorker(h);
  }

  private flushWorker(h: WorkerHandle): void {
    if (h.batch.length === 0) return;
    h.worker.postMessage({ type: 'batch', updates: h.batch } satisfies ToWorker);
    h.batch = [];
  }

  /** Latest stats from every worker (refreshed every 250 ms). */
  workerStats(): WorkerStats[] {
    return this.workers.map((h) => h.stats);
  }

  /** Every book the ingest holds, as it stands after everything routed so far was applied. */
  dump(): Promise<BookDump[]> {
    this.flush();
    const id = ++this.dumpId;
    return new Promise((resolve) => {
      this.pendingDumps.set(id, { remaining: this.workers.length, books: [], resolve });
      for (const h of this.workers) h.worker.postMessage({ type: 'dump', id } satisfies ToWorker);
    });
  }

  private onDump(id: number, books: BookDump[]): void {
    const p = this.pendingDumps.get(id);
    if (!p) return;
    p.books.push(...books);
    if (--p.remaining === 0) {
      this.pendingDumps.delete(id);
      p.resolve(p.books);
    }
  }

  promote(epoch: number): void {
    for (const h of this.workers) h.worker.postMessage({ type: 'promote', epoch } satisfies ToWorker);
  }

  demote(): void {
    for (const h of this.workers) h.worker.postMessage({ type: 'demote' } satisfies ToWorker);
  }

  async stop(): Promise<WorkerStats[]> {
    this.aborted.abort();
    this.flush();
    await Promise.all(this.workers.map((h) => new Promise<void>((resolve) => {
      const timer = setTimeout(() => { void h.worker.terminate(); resolve(); }, 5000);
      h.worker.once('exit', () => { clearTimeout(timer); resolve(); });
      h.worker.postMessage({ type: 'stop' } satisfies ToWorker);
    })));
    return this.workerStats();
  }
}
