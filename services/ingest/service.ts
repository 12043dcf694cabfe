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
import type { BookDump, BookSlot } from './publish-engine.js';
import type { WorkerInit, WorkerStats } from './protocol.js';
import { InlineShard, type Shard } from './shards.js';
import { SupervisedShard } from './supervisor.js';
import { shardOf } from './shard.js';
import { paced, type Pace } from './sources/pacing.js';
import { sourceFor, type FeedSource } from './sources/index.js';
import { venueForKind, venueNamed } from '../feeds/registry.js';
import type { ExchangeConfig } from '../../config/schema.js';
import { describeUpdate, judgeContent, judgeName } from './update-guard.js';
import { KeptBooks, mergeKeptStats } from './kept-books.js';
import { placedSources } from './feed-health.js';

/** Where a symbol's updates go: its worker, and a slot the inline engine keeps the book's state in. */
interface Route extends BookSlot {
  readonly shard: number;
}

export interface IngestOptions {
  config: DsmConfig;
  /** Called when one source has no more updates (a recording ended), with its final stats. */
  onSourceEnd?: (stats: SourceStats) => void;
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
  /**
   * The former shape, kept only as the benchmark's baseline (`dsm bench recorded`): decoded inputs
   * are kept on this thread, by a second set of books, and their changes posted to the owning
   * worker, which applies them again to its own book.
   */
  keepBooksOnIngestThread?: boolean;
}

interface ShardHandle {
  shard: Shard;
  batch: FeedUpdate[];
}

export class IngestService {
  /** Sources run on this thread (recorded feeds, ITCH over UDP, or every feed when given `sources`). */
  readonly sources: FeedSource[];
  /** Live feeds each shard runs itself, narrowed to its symbols (see `ownedFeeds`). */
  private readonly owned: ExchangeConfig[];
  private readonly workers: ShardHandle[] = [];
  private batchMessages: number;
  private flushScheduled = false;
  private readonly log = childLogger('ingest');
  private aborted = new AbortController();
  /** Rejects when the ingest cannot go on (a worker that cannot be restarted or rebuilt). */
  readonly failed: Promise<never>;
  private fail!: (err: Error) => void;
  routed = 0;
  private readonly monoOriginNs = monoNs();
  private readonly wallOriginUs = Date.now() * 1000;
  /** Updates refused before reaching a worker (update-guard.ts), per exchange. */
  readonly malformed = new Map<string, number>();
  private lastMalformedLogMs = 0;
  /**
   * exchange -> symbol -> the symbol's route: its worker (the hash is computed once per symbol,
   * not per update), and (inline) the engine's state for its book, so the one lookup routing
   * makes anyway also finds the book (BookSlot).
   */
  private readonly shards = new Map<string, Map<string, Route>>();
  /** Only with `keepBooksOnIngestThread` (the benchmark's baseline). */
  private readonly keptHere: KeptBooks | undefined;
  private readonly routeKept = (_stats: SourceStats, u: FeedUpdate): void => { this.route(u, true); };

  constructor(private readonly opts: IngestOptions) {
    const cfg = opts.config;
    const wanted = opts.exchanges ? new Set(opts.exchanges) : undefined;
    const exchanges = cfg.exchanges.filter((ex) => (wanted ? wanted.has(ex.name) : true));
    // One book per symbol: a live feed that can be split by symbol runs in the shard that owns
    // the symbols, where its venue sync's book is the published book. The rest run here.
    const inShard = (ex: ExchangeConfig) => !opts.sources && cfg.ingest.feedsInShards && venueForKind(ex.feed.kind).shardableKinds.includes(ex.feed.kind);
    this.owned = exchanges.filter(inShard);
    this.sources = opts.sources ?? exchanges.filter((ex) => !inShard(ex)).map((ex) => sourceFor(ex, opts.root, cfg.client));
    this.batchMessages = cfg.ingest.batchMessages;
    this.keptHere = opts.keepBooksOnIngestThread ? new KeptBooks((venue, exchange) => venueNamed(venue)?.keeper?.(exchange)) : undefined;
    this.failed = new Promise<never>((_, reject) => { this.fail = reject; });
    this.failed.catch(() => undefined); // observed through run(); never an unhandled rejection
  }

  /** Updates handed to a worker thread per postMessage (the feedback loop's batchMessages). */
  get batchSize(): number { return this.batchMessages; }

  setBatchMessages(n: number): void {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`batchMessages must be a positive integer, got ${n}`);
    this.batchMessages = n;
  }

  get workerCount(): number { return this.opts.workers ?? this.opts.config.ingest.workers; }

  async start(): Promise<void> {
    const inline = this.workerCount === 0;
    for (let i = 0; i < Math.max(1, this.workerCount); i++) {
      const init: WorkerInit = {
        type: 'init', config: this.opts.config, worker: i, tlsDir: this.opts.tlsDir, identity: this.opts.identity ?? 'ingest', servers: this.opts.servers,
        epoch: this.opts.epoch ?? 1, publishing: this.opts.publishing ?? true, publisherId: this.opts.publisherId ?? 'ingest',
        feeds: this.ownedFeeds(i, Math.max(1, this.workerCount)), root: this.opts.root, shards: Math.max(1, this.workerCount),
        ...(this.opts.coalesce ? { coalesce: true } : {}),
      };
      this.workers.push({ shard: inline ? new InlineShard(init) : new SupervisedShard(init, { onRestarted: (w) => this.rebuildWorker(w), onFatal: (err) => this.fail(err) }), batch: [] });
    }
    await Promise.all(this.workers.map((h) => h.shard.start()));
    this.log.info({ workers: this.workerCount, inline, sources: this.sources.map((s) => s.stats.source) }, 'ingest started');
  }

  /** The owned live feeds of shard `i` of `n`: each exchange narrowed to the symbols that shard owns. */
  private ownedFeeds(i: number, n: number): ExchangeConfig[] {
    return this.owned.flatMap((ex) => {
      const symbols = ex.symbols.filter((s) => shardOf(ex.name, s, n) === i);
      return symbols.length ? [{ ...ex, symbols }] : [];
    });
  }

  /** Run every source to its end (or until stopped); resolves with their stats. */
  async run(pace: Pace = this.opts.pace): Promise<SourceStats[]> {
    const [ended, owned] = await Promise.race([this.failed, Promise.all([
      Promise.all(this.sources.map(async (src) => {
        const keepStamp = src.stampsUpdates === true;
        for await (const u of paced(src.updates(), pace, this.aborted.signal)) if (!this.route(u, keepStamp)) src.stats.malformed++;
        const final = await this.finalStats(src.stats);
        this.opts.onSourceEnd?.(final);
        return final;
      })),
      Promise.all(this.workers.map((h) => h.shard.feedsEnded())),
    ])]);
    this.flush();
    return [...ended, ...owned.flat()];
  }

  /**
   * A source's stats once the workers applied everything it routed: a recording's decoder counts
   * inputs and malformed frames here, the workers keeping its books count updates, gaps, resyncs
   * and checksums (`WorkerStats.kept`).
   */
  private async finalStats(stats: SourceStats): Promise<SourceStats> {
    this.flush();
    const reports = await Promise.all(this.workers.map((h) => h.shard.report()));
    return mergeKeptStats(stats, reports.flatMap((r) => r.kept ?? []));
  }

  /**
   * Feed gaps and recoveries per exchange since the previous call, added up over every place a
   * feed's counters live (the same set the feeds summary reports, `placedSources`): the decoding
   * side on this thread, each worker's live feeds and each worker's kept books.
   */
  feedCountsSinceLast(): Record<string, { gaps: number; resyncs: number }> {
    const now: Record<string, { gaps: number; resyncs: number }> = {};
    for (const { stats: st } of placedSources(this.sources.map((x) => x.stats), this.workerStats())) {
      const e = (now[st.exchange] ??= { gaps: 0, resyncs: 0 });
      e.gaps += st.gaps;
      e.resyncs += st.resyncs;
    }
    const out: Record<string, { gaps: number; resyncs: number }> = {};
    for (const [ex, c] of Object.entries(now)) {
      const prev = this.lastFeedCounts[ex] ?? { gaps: 0, resyncs: 0 };
      out[ex] = { gaps: Math.max(0, c.gaps - prev.gaps), resyncs: Math.max(0, c.resyncs - prev.resyncs) };
    }
    this.lastFeedCounts = now;
    return out;
  }
  private lastFeedCounts: Record<string, { gaps: number; resyncs: number }> = {};

  /** Latest stats of the live feeds the shards run themselves (refreshed with the worker stats). */
  shardFeedStats(): SourceStats[] {
    return this.workerStats().flatMap((w) => w.sources ?? []);
  }

  /**
   * A restarted worker has no books: ask each source for snapshots of the symbols sharded to it.
   * A source that cannot resend them fails the ingest (publishing half-built books is worse).
   */
  private rebuildWorker(worker: number): void {
    const lost = new Map<string, string[]>();
    for (const [exchange, bySymbol] of this.shards) {
      for (const [symbol, route] of bySymbol) if (route.shard === worker) (lost.get(exchange) ?? lost.set(exchange, []).get(exchange)!).push(symbol);
    }
    for (const [exchange, symbols] of lost) {
      const sources = this.sources.filter((s) => s.stats.exchange === exchange);
      const ok = sources.length > 0 && sources.every((s) => s.requestSnapshots?.(symbols) === true);
      if (!ok) throw new Error(`ingest worker ${worker} lost ${symbols.length} ${exchange} book(s) and the ${exchange} feed cannot resend snapshots`);
      this.log.warn({ worker, exchange, symbols: symbols.length }, 'asked the venue for snapshots to rebuild a restarted worker');
    }
  }

  /** Test and drill hook: kill worker `i`'s thread as a crash would. */
  killWorker(i: number): Promise<number> {
    const s = this.workers[i]?.shard;
    if (!(s instanceof SupervisedShard)) throw new Error(`worker ${i} is not a supervised thread`);
    return s.kill();
  }

  /** Hand one update to the worker that owns its symbol; false: refused as malformed (counted, logged). */
  route(u: FeedUpdate, keepStamp = false): boolean {
    // Symbols are judged once (on first sight, in routeFor); levels on every update.
    const route = this.routeFor(u.exchange, u.symbol);
    const bad = route === undefined ? judgeName(u.exchange, u.symbol) ?? 'refused' : judgeContent(u);
    if (bad !== undefined) {
      this.onMalformed(u, bad);
      return false;
    }
    // Receive time is when the pipeline takes the update in (after any replay pacing). The wall
    // clock is derived from the monotonic one (one clock read, no BigInt arithmetic per update).
    // A live source's update keeps the stamp it got as its frame arrived (FeedSource.stampsUpdates);
    // anything else is stamped here, even an update object a caller routes again.
    if (!keepStamp || u.recvMonoNs === 0) {
      const mono = monoNs();
      u.recvMonoNs = mono;
      u.recvWallUs = this.wallOriginUs + (mono - this.monoOriginNs) / 1000;
    }
    if (this.keptHere && u.kind === 'input') {
      // Baseline shape: a second book here; its changes (stamped as the input was) go to the worker.
      this.keptHere.take(u, this.routeKept, false);
      return true;
    }
    const h = this.workers[route!.shard]!;
    this.routed++;
    if (h.shard.inline) {
      h.shard.sendOne(u, route);
      return true;
    }
    h.batch.push(u);
    if (h.batch.length >= this.batchMessages) this.flushWorker(h);
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
    return true;
  }

  private onMalformed(u: FeedUpdate, reason: string): void {
    const ex = typeof u.exchange === 'string' ? u.exchange.slice(0, 32) : '?';
    const n = (this.malformed.get(ex) ?? 0) + 1;
    this.malformed.set(ex, n);
    const now = Date.now();
    if (now - this.lastMalformedLogMs < 1000) return;
    this.lastMalformedLogMs = now;
    this.log.warn({ reason, input: describeUpdate(u), malformed: n, exchange: ex }, 'refused a malformed feed update');
  }

  /** The symbol's route, or undefined when its name is refused (never cached: bad names are not kept). */
  private routeFor(exchange: string, symbol: string): Route | undefined {
    let bySymbol = this.shards.get(exchange);
    let route = bySymbol?.get(symbol);
    if (route !== undefined) return route;
    if (judgeName(exchange, symbol) !== undefined) return undefined;
    if (!bySymbol) this.shards.set(exchange, (bySymbol = new Map()));
    bySymbol.set(symbol, (route = { shard: shardOf(exchange, symbol, this.workers.length), owner: undefined, state: undefined }));
    return route;
  }

  /** exchange -> every symbol routed so far (what the ingest announces to subscriber groups). */
  knownSymbols(): ReadonlyMap<string, Iterable<string>> {
    return new Map([...this.shards].map(([ex, bySymbol]) => [ex, bySymbol.keys()]));
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
  workerStats(withHistogram = false): WorkerStats[] {
    return this.workers.map((h) => h.shard.stats(withHistogram));
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
