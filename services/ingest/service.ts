/**
 * The ingest service: runs the configured feed sources, shards their updates by symbol across
 * worker threads (each owning its books and NATS connection), and reports what it did.
 * Updates are batched per worker (by count, or at the end of the current event-loop turn) so
 * thread hand-off costs one postMessage per batch rather than per update.
 */
import type { DsmConfig } from '../../config/schema.js';
import { monoNs } from '../common/clock.js';
import { childLogger } from '../common/log.js';
import type { FeedUpdate, SourceStats } from './feed-update.js';
import type { BookDump } from './publish-engine.js';
import type { WorkerInit, WorkerStats } from './protocol.js';
import { InlineShard, ThreadShard, type Shard } from './shards.js';
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
  /** Worker threads; 0 runs the single shard inline on this thread (no hand-off latency). */
  workers?: number;
  epoch?: number;
  publisherId?: string;
  /** false: a warm standby that keeps books but publishes nothing until promoted. */
  publishing?: boolean;
  /** Only these exchanges (default: every configured one whose feed can run here). */
  exchanges?: string[];
  /**
   * Opt-in batching: each worker packs the changes one symbol receives in the same event-loop
   * turn (or thread hand-off batch) into one delta. Off by default; see docs/wire-format.md.
   */
  coalesce?: boolean;
  /** Sources to run instead of the configured ones (tests, benchmarks). */
  sources?: FeedSource[];
}

interface ShardHandle {
  shard: Shard;
  batch: FeedUpdate[];
}

export class IngestService {
  readonly sources: FeedSource[];
  private readonly workers: ShardHandle[] = [];
  private readonly batchMessages: number;
  private flushScheduled = false;
  private readonly log = childLogger('ingest');
  private aborted = new AbortController();
  routed = 0;
  private readonly monoOriginNs = monoNs();
  private readonly wallOriginUs = Date.now() * 1000;
  /** exchange -> symbol -> shard: the hash is computed once per symbol, not per update. */
  private readonly shards = new Map<string, Map<string, number>>();

  constructor(private readonly opts: IngestOptions) {
    const cfg = opts.config;
    const wanted = opts.exchanges ? new Set(opts.exchanges) : undefined;
    this.sources = opts.sources ?? cfg.exchanges.filter((ex) => (wanted ? wanted.has(ex.name) : true)).map((ex) => sourceFor(ex, opts.root, cfg.client));
    this.batchMessages = cfg.ingest.batchMessages;
  }

  get workerCount(): number { return this.opts.workers ?? this.opts.config.ingest.workers; }

  async start(): Promise<void> {
    const inline = this.workerCount === 0;
    for (let i = 0; i < Math.max(1, this.workerCount); i++) {
      const init: WorkerInit = {
        type: 'init', config: this.opts.config, worker: i, tlsDir: this.opts.tlsDir, identity: this.opts.identity ?? 'ingest', servers: this.opts.servers,
        epoch: this.opts.epoch ?? 1, publishing: this.opts.publishing ?? true, publisherId: this.opts.publisherId ?? 'ingest',
        ...(this.opts.coalesce ? { coalesce: true } : {}),
      };
      this.workers.push({ shard: inline ? new InlineShard(init) : new ThreadShard(init), batch: [] });
    }
    await Promise.all(this.workers.map((h) => h.shard.start()));
    this.log.info({ workers: this.workerCount, inline, sources: this.sources.map((s) => s.stats.source) }, 'ingest started');
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
    // Receive time is when the pipeline takes the update in (after any replay pacing). The wall
    // clock is derived from the monotonic one (one clock read, no BigInt arithmetic per update).
    const mono = monoNs();
    u.recvMonoNs = mono;
    u.recvWallUs = this.wallOriginUs + (mono - this.monoOriginNs) / 1000;
    const h = this.workers[this.shardFor(u.exchange, u.symbol)]!;
    this.routed++;
    if (h.shard.inline) {
      h.shard.sendOne(u);
      return;
    }
    h.batch.push(u);
    if (h.batch.length >= this.batchMessages) this.flushWorker(h);
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private shardFor(exchange: string, symbol: string): number {
    if (this.workers.length === 1) return 0; // one shard (inline or one worker): nothing to look up
    let bySymbol = this.shards.get(exchange);
    if (!bySymbol) this.shards.set(exchange, (bySymbol = new Map()));
    let shard = bySymbol.get(symbol);
    if (shard === undefined) bySymbol.set(symbol, (shard = shardOf(exchange, symbol, this.workers.length)));
    return shard;
  }

  flush(): void {
    this.flushScheduled = false;
    for (const h of this.workers) this.flushWorker(h);
  }

  private flushWorker(h: ShardHandle): void {
    if (h.batch.length === 0) return;
    const batch = h.batch;
    h.batch = [];
    h.shard.send(batch);
  }

  /** Latest stats from every worker (refreshed every 250 ms). */
  workerStats(): WorkerStats[] {
    return this.workers.map((h) => h.shard.stats());
  }

  /** Every book the ingest holds, as it stands after everything routed so far was applied. */
  async dump(): Promise<BookDump[]> {
    this.flush();
    return (await Promise.all(this.workers.map((h) => h.shard.dump()))).flat();
  }

  /** Become the publisher under `epoch`, republishing the last `replayWindowMs` of standby output. */
  promote(epoch: number, replayWindowMs = 0): void {
    this.flush();
    for (const h of this.workers) h.shard.promote(epoch, replayWindowMs);
  }

  demote(): void {
    for (const h of this.workers) h.shard.demote();
  }

  async stop(): Promise<WorkerStats[]> {
    this.aborted.abort();
    this.flush();
    return Promise.all(this.workers.map((h) => h.shard.stop()));
  }
}
