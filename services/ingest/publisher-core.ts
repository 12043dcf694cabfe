/**
 * What owns a shard of symbols: their books (PublishEngine), a NATS connection, the snapshot
 * responder and, for live venues, the feeds themselves. It runs inside a worker thread
 * (worker.ts) or inline on the ingest's own thread (`workers: 0`), where it saves the thread
 * hand-off on the latency path.
 */
import type { NatsConnection } from 'nats';
import { monoNs } from '../common/clock.js';
import { childLogger } from '../common/log.js';
import { LatencyRecorder } from '../metrics/latency.js';
import { connectAs } from '../nats/connect.js';
import { judgeReplySubject } from '../nats/reply-guard.js';
import { subjectScheme } from '../nats/subjects.js';
import { Offset, stampPublishTime } from '../wire/index.js';
import { writeU32 } from '../wire/bytes.js';
import type { FeedUpdate, SourceStats } from './feed-update.js';
import type { WorkerInit, WorkerStats } from './protocol.js';
import { PublishEngine, type BookDump, type BookSlot, type BookState, type Outgoing } from './publish-engine.js';
import { shardOf } from './shard.js';
import { KeptBooks } from './kept-books.js';
import { SnapshotResponder } from './snapshot-responder.js';
import { venueNamed } from '../feeds/registry.js';
import { sourceFor } from './sources/index.js';
import { WebSocketSource } from './sources/websocket.js';
import { describeUpdate, judgeContent, judgeName } from './update-guard.js';
import { FramePublisher } from './frame-publisher.js';

export class PublisherCore {
  private nc!: NatsConnection;
  /** Book messages go out through it (frame-publisher.ts: PUB frames written once, handed over per turn). */
  private frames!: FramePublisher;
  readonly engine: PublishEngine;
  private publishing: boolean;
  private readonly latency = new LatencyRecorder();
  private responder: SnapshotResponder | undefined;
  private readonly stats: WorkerStats;
  /**
   * A standby's recent would-be publications. On promotion the new leader republishes the last
   * window of them under its epoch: subscribers drop what the old leader already delivered
   * (duplicates by sequence) and apply the rest, so a takeover leaves no gap to resync.
   */
  private standbyLog: Array<{ subject: string; payload: Uint8Array; atMs: number }> = [];
  private static readonly STANDBY_LOG_LIMIT = 200_000;
  /** Opt-in coalescing: books with staged changes, published at the end of the turn/batch. */
  private readonly coalesce: boolean;
  private readonly staged: BookState[] = [];
  private flushQueued = false;
  private readonly flushStagedTask = (): void => this.flushStaged();
  /** Published per exchange; the last exchange's counter is cached (one feed per core is the norm). */
  private readonly perExchange = new Map<string, { n: number }>();
  private lastExchange = '';
  private lastExchangeCount: { n: number } = { n: 0 };
  private readonly feeds: WebSocketSource[] = [];
  private feedsRun: Promise<SourceStats[]> = Promise.resolve([]);
  private readonly log = childLogger('ingest-worker');
  private lastRefusalLogMs = 0;
  private lastMalformedLogMs = 0;
  /** exchange -> symbols of owned feeds whose names passed judgeName (judged once; no key string built per update). */
  private readonly judgedNames = new Map<string, Set<string>>();
  /** Books of venue inputs decoded on the ingest thread (recordings, ITCH over UDP), kept here where they are published. */
  private readonly kept: KeptBooks;
  private readonly applyKept = (stats: SourceStats, u: FeedUpdate): void => this.applyFromFeed(stats, u);

  constructor(private readonly init: WorkerInit) {
    this.publishing = init.publishing;
    this.coalesce = init.coalesce ?? false;
    // Payloads are copied as they are sent (FramePublisher) or kept (standby log, copied): the engine may reuse its buffer.
    this.engine = new PublishEngine({ epoch: init.epoch, dataSuffix: init.config.subjects.dataSuffix, snapshotDepth: init.config.ingest.snapshotDepth, requireSnapshot: init.rebuild === true, maxPayloadBytes: init.config.nats.limits.maxPayloadBytes, transientPayloads: true, coalesce: this.coalesce });
    this.stats = { worker: init.worker, updates: 0, published: 0, publishedBytes: 0, snapshotRequests: 0, symbols: 0, perExchange: {} };
    this.kept = new KeptBooks((venue, exchange) => venueNamed(venue)?.keeper?.(exchange), `in worker ${init.worker}`);
  }

  async connect(): Promise<void> {
    const m = this.init;
    this.nc = await connectAs(m.config, m.identity, { tlsDir: m.tlsDir, name: `${m.publisherId}-w${m.worker}`, ...(m.servers ? { servers: m.servers } : {}) });
    this.frames = new FramePublisher(this.nc);
    const shards = Math.max(1, m.shards ?? 1);
    const served = new Set(m.config.exchanges.map((e) => e.name));
    // One responder for all of this core's books, set up before the first update (never per symbol).
    this.responder = new SnapshotResponder(this.nc, {
      scheme: subjectScheme(m.config),
      source: this.engine,
      isPublishing: () => this.publishing,
      owns: (exchange, symbol) => served.has(exchange) && (shards === 1 || shardOf(exchange, symbol, shards) === m.worker),
      judgeReply: (reply, exchange) => judgeReplySubject(m.config, reply, exchange),
      beforeReply: (snap) => stampPublishTime(snap, monoNs()),
      onServed: () => { this.stats.snapshotRequests++; },
      onRefused: (subject, reply, reason) => {
        this.stats.refusedReplies = (this.stats.refusedReplies ?? 0) + 1;
        const now = performance.now();
        if (now - this.lastRefusalLogMs < 1000) return;
        this.lastRefusalLogMs = now;
        this.log.warn({ subject, reply: reply.slice(0, 200), reason, refused: this.stats.refusedReplies, worker: m.worker }, 'refused a snapshot request');
      },
      onBadRequest: (subject, reason) => this.log.warn({ subject: subject.slice(0, 200), reason, worker: m.worker }, 'ignored snapshot request'),
    });
    // The subscription must be known to the server before anyone can be told this core exists.
    await this.nc.flush();
  }

  currentStats(withHistogram = false): WorkerStats {
    const perExchange: Record<string, number> = {};
    for (const [ex, c] of this.perExchange) perExchange[ex] = c.n;
    const sources = this.feeds.length ? this.feeds.map((f) => structuredClone(f.stats)) : undefined;
    const kept = this.kept.stats();
    const stats: WorkerStats = { ...this.stats, symbols: this.engine.size, perExchange, ingestToPublish: this.latency.summary().ingest_to_publish, ...(sources ? { sources } : {}), ...(kept.length ? { kept } : {}) };
    if (withHistogram) {
      const hist = this.latency.encoded('ingest_to_publish');
      if (hist) stats.ingestToPublishHist = hist;
    }
    return stats;
  }

  /**
   * Run the live feeds this core owns (WorkerInit.feeds) in this thread: each venue sync hands
   * its updates, with its own book, straight to `applyOne`. Resolves when they stop.
   */
  startFeeds(): Promise<SourceStats[]> {
    const root = this.init.root ?? process.cwd();
    for (const ex of this.init.feeds ?? []) {
      const src = sourceFor(ex, root);
      if (!(src instanceof WebSocketSource)) throw new Error(`exchanges.${ex.name}: feed ${ex.feed.kind} cannot run in an ingest worker`);
      this.feeds.push(src);
    }
    // Owned feeds skip the main thread's routing, so their input is judged here, as route() would.
    this.feedsRun = Promise.all(this.feeds.map((f) => f.run((u) => this.applyFromFeed(f.stats, u)))).then(() => this.feeds.map((f) => f.stats));
    return this.feedsRun;
  }

  /** Stop the owned feeds; resolves with their final stats. */
  stopFeeds(): Promise<SourceStats[]> {
    for (const f of this.feeds) f.stop();
    return this.feedsRun;
  }

  apply(updates: readonly FeedUpdate[]): void {
    // With coalescing, staged books go out at the end of this thread's turn, which may take in
    // several hand-off batches (a MessagePort delivers what is pending in one go).
    for (let i = 0; i < updates.length; i++) this.applyOne(updates[i]!);
  }

  /** A venue update from a feed this worker owns: hostile input is counted as malformed and logged, never applied. */
  private applyFromFeed(stats: SourceStats, u: FeedUpdate): void {
    let bad: string | undefined;
    let judged = this.judgedNames.get(u.exchange);
    if (judged === undefined || !judged.has(u.symbol)) {
      bad = judgeName(u.exchange, u.symbol);
      if (bad === undefined) {
        if (judged === undefined) this.judgedNames.set(u.exchange, (judged = new Set()));
        judged.add(u.symbol);
      }
    }
    bad ??= judgeContent(u);
    if (bad !== undefined) {
      stats.malformed++;
      const now = Date.now();
      if (now - this.lastMalformedLogMs >= 1000) {
        this.lastMalformedLogMs = now;
        this.log.warn({ reason: bad, input: describeUpdate(u), malformed: stats.malformed, exchange: stats.exchange }, 'refused a malformed feed update');
      }
      return;
    }
    this.applyOne(u);
  }

  /** `slot`: the router's entry for this book, where the engine keeps its state (publish-engine.ts BookSlot). */
  applyOne(u: FeedUpdate, slot?: BookSlot): void {
    // A decoded venue input: its keeper applies it to the symbol's one book, and what that changed
    // is judged and published like an owned feed's update.
    if (u.kind === 'input') return this.kept.take(u, this.applyKept);
    this.stats.updates++;
    if (this.coalesce) {
      if (this.engine.canStage(u)) {
        this.stage(u);
        return;
      }
      // A snapshot (or stale marker, or an owned book's update) goes in order after what is staged.
      this.flushStaged();
    }
    const out = this.engine.apply(u, slot);
    if (out) this.send(out, u.recvMonoNs);
  }

  private stage(u: FeedUpdate): void {
    const newlyStaged = this.engine.stage(u);
    if (newlyStaged) this.staged.push(newlyStaged);
    if (!this.flushQueued) {
      this.flushQueued = true;
      // End of this event-loop turn: setImmediate runs after the turn's I/O callbacks and
      // every microtask chain they started (async feed iterators included).
      setImmediate(this.flushStagedTask);
    }
  }

  /** Publish every staged book as one delta each. */
  flushStaged(): void {
    this.flushQueued = false;
    const list = this.staged;
    for (let i = 0; i < list.length; i++) {
      const st = list[i]!;
      const out = this.engine.emit(st);
      if (out) this.send(out, st.recvMonoNs);
    }
    list.length = 0;
  }

  private send(out: Outgoing, recvMonoNs: number): void {
    if (!this.publishing) {
      this.rememberStandby(out.subject, out.payload);
      if (out.more) for (const p of out.more) this.rememberStandby(out.subject, p);
      return;
    }
    const now = monoNs();
    stampPublishTime(out.payload, now);
    const prefix = out.state.pubPrefix;
    this.frames.publish(out.subject, prefix, out.payload);
    let messages = 1;
    let bytes = out.payload.length;
    if (out.more) {
      // The rest of a book too large for one message (multi-part snapshot, split delta).
      for (const p of out.more) {
        stampPublishTime(p, now);
        this.frames.publish(out.subject, prefix, p);
        messages++;
        bytes += p.length;
      }
    }
    this.latency.record('ingest_to_publish', (now - recvMonoNs) / 1000);
    this.stats.published += messages;
    this.stats.publishedBytes += bytes;
    const ex = out.state.book.exchange;
    if (ex !== this.lastExchange) {
      let c = this.perExchange.get(ex);
      if (c === undefined) this.perExchange.set(ex, (c = { n: 0 }));
      this.lastExchange = ex;
      this.lastExchangeCount = c;
    }
    this.lastExchangeCount.n++;
  }

  dump(): BookDump[] {
    return this.engine.dump();
  }

  promote(epoch: number, replayWindowMs = 0): number {
    this.flushStaged();
    this.engine.epoch = epoch;
    this.publishing = true;
    const since = performance.now() - replayWindowMs;
    let replayed = 0;
    this.frames.handOver();
    for (const e of this.standbyLog) {
      if (e.atMs < since) continue;
      writeU32(e.payload, Offset.epoch, epoch);
      stampPublishTime(e.payload, monoNs());
      this.nc.publish(e.subject, e.payload);
      replayed++;
    }
    this.standbyLog = [];
    return replayed;
  }

  demote(): void {
    this.publishing = false;
  }

  private rememberStandby(subject: string, payload: Uint8Array): void {
    const log = this.standbyLog;
    // The engine reuses its payload buffer (transientPayloads): keep a copy.
    log.push({ subject, payload: payload.slice(), atMs: performance.now() });
    // Keep it bounded: drop the oldest half when full (only the last moments matter).
    if (log.length > PublisherCore.STANDBY_LOG_LIMIT) this.standbyLog = log.slice(log.length >> 1);
  }

  async stop(): Promise<WorkerStats> {
    await this.stopFeeds();
    this.flushStaged();
    this.responder?.close();
    this.frames?.handOver();
    try { await this.nc.drain(); } catch { /* already closed */ }
    return this.currentStats();
  }
}
