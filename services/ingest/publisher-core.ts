/**
 * What owns a shard of symbols: their books (PublishEngine), a NATS connection, and the snapshot
 * responders. It runs inside a worker thread (worker.ts) or inline on the ingest's own thread
 * (`workers: 0`), where it saves the thread hand-off on the latency path.
 */
import { describeUpdate, judgeContent, judgeName } from './update-guard.js';
import type { NatsConnection, Subscription } from 'nats';
import { monoNs } from '../common/clock.js';
import { encodeSubjectToken } from '../marketdata/subject.js';
import { LatencyRecorder } from '../metrics/latency.js';
import { connectAs } from '../nats/connect.js';
import { judgeReplySubject } from '../nats/reply-guard.js';
import { snapshotSubject, subjectScheme } from '../nats/subjects.js';
import { childLogger } from '../common/log.js';
import { Offset, stampPublishTime } from '../wire/index.js';
import { writeU32 } from '../wire/bytes.js';
import type { FeedUpdate, SourceStats } from './feed-update.js';
import { sourceFor } from './sources/index.js';
import { WebSocketSource } from './sources/websocket.js';
import type { WorkerInit, WorkerStats } from './protocol.js';
import { PublishEngine, type BookDump, type BookState } from './publish-engine.js';

export class PublisherCore {
  private nc!: NatsConnection;
  readonly engine: PublishEngine;
  private publishing: boolean;
  private readonly latency = new LatencyRecorder();
  private readonly responders = new Map<BookState, Subscription>();
  private readonly stats: WorkerStats;
  /**
   * A standby's recent would-be publications. On promotion the new leader republishes the last
   * window of them under its epoch: subscribers drop what the old leader already delivered
   * (duplicates by sequence) and apply the rest, so a takeover leaves no gap to resync.
   */
  private standbyLog: Array<{ subject: string; payload: Uint8Array; atMs: number }> = [];
  private static readonly STANDBY_LOG_LIMIT = 200_000;
  private readonly feeds: WebSocketSource[] = [];
  private feedsRun: Promise<SourceStats[]> = Promise.resolve([]);
  private readonly log = childLogger('ingest-worker');
  private lastRefusalLogMs = 0;
  private lastMalformedLogMs = 0;
  /** Symbols of owned feeds whose names passed judgeName (names repeat; judged once). */
  private readonly judgedNames = new Set<string>();

  constructor(private readonly init: WorkerInit) {
    this.publishing = init.publishing;
    this.engine = new PublishEngine({ epoch: init.epoch, dataSuffix: init.config.subjects.dataSuffix, snapshotDepth: init.config.ingest.snapshotDepth, requireSnapshot: init.rebuild === true, maxPayloadBytes: init.config.nats.limits.maxPayloadBytes });
    this.stats = { worker: init.worker, updates: 0, published: 0, publishedBytes: 0, snapshotRequests: 0, symbols: 0, perExchange: {} };
  }

  async connect(): Promise<void> {
    const m = this.init;
    this.nc = await connectAs(m.config, m.identity, { tlsDir: m.tlsDir, name: `${m.publisherId}-w${m.worker}`, ...(m.servers ? { servers: m.servers } : {}) });
  }

  currentStats(withHistogram = false): WorkerStats {
    const sources = this.feeds.length ? this.feeds.map((f) => structuredClone(f.stats)) : undefined;
    const stats: WorkerStats = { ...this.stats, symbols: this.responders.size, perExchange: { ...this.stats.perExchange }, ingestToPublish: this.latency.summary().ingest_to_publish, ...(sources ? { sources } : {}) };
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
    for (let i = 0; i < updates.length; i++) this.applyOne(updates[i]!);
  }

  /** A venue update from a feed this worker owns: hostile input is counted as malformed and logged, never applied. */
  private applyFromFeed(stats: SourceStats, u: FeedUpdate): void {
    const key = `${u.exchange}\u0000${u.symbol}`;
    let bad: string | undefined;
    if (!this.judgedNames.has(key)) {
      bad = judgeName(u.exchange, u.symbol);
      if (bad === undefined) this.judgedNames.add(key);
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

  applyOne(u: FeedUpdate): void {
    this.stats.updates++;
    const out = this.engine.apply(u);
    if (!out) return;
    this.ensureResponder(out.state);
    if (!this.publishing) {
      this.rememberStandby(out.subject, out.payload);
      if (out.more) for (const p of out.more) this.rememberStandby(out.subject, p);
      return;
    }
    const now = monoNs();
    stampPublishTime(out.payload, now);
    this.nc.publish(out.subject, out.payload);
    if (out.more) this.publishMore(out.subject, out.more, now);
    this.latency.record('ingest_to_publish', (now - u.recvMonoNs) / 1000);
    this.stats.published++;
    this.stats.publishedBytes += out.payload.length;
    this.stats.perExchange[u.exchange] = (this.stats.perExchange[u.exchange] ?? 0) + 1;
  }

  /** The rest of a book too large for one message (multi-part snapshot, split delta). */
  private publishMore(subject: string, parts: Uint8Array[], now: number): void {
    for (const p of parts) {
      stampPublishTime(p, now);
      this.nc.publish(subject, p);
      this.stats.published++;
      this.stats.publishedBytes += p.length;
    }
  }

  dump(): BookDump[] {
    return this.engine.dump();
  }

  promote(epoch: number, replayWindowMs = 0): number {
    this.engine.epoch = epoch;
    this.publishing = true;
    const since = performance.now() - replayWindowMs;
    let replayed = 0;
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
    log.push({ subject, payload, atMs: performance.now() });
    // Keep it bounded: drop the oldest half when full (only the last moments matter).
    if (log.length > PublisherCore.STANDBY_LOG_LIMIT) this.standbyLog = log.slice(log.length >> 1);
  }

  async stop(): Promise<WorkerStats> {
    await this.stopFeeds();
    try { await this.nc.drain(); } catch { /* already closed */ }
    return this.currentStats();
  }

  /** Each book answers snapshot requests on its own control subject, outside the data hierarchy. */
  private ensureResponder(st: BookState): void {
    if (this.responders.has(st)) return;
    const subject = snapshotSubject(subjectScheme(this.init.config), st.book.exchange, encodeSubjectToken(st.book.symbol));
    const sub = this.nc.subscribe(subject, {
      callback: (err, msg) => {
        if (err || !this.publishing) return;
        const verdict = judgeReplySubject(this.init.config, msg.reply, st.book.exchange);
        if (!verdict.ok) {
          // Reflection attempt (or a client outside connectAs): never publish there.
          this.stats.refusedReplies = (this.stats.refusedReplies ?? 0) + 1;
          const now = performance.now();
          if (now - this.lastRefusalLogMs >= 1000) {
            this.lastRefusalLogMs = now;
            this.log.warn({ subject, reply: msg.reply?.slice(0, 200), reason: verdict.reason, refused: this.stats.refusedReplies }, 'refused a snapshot request');
          }
          return;
        }
        const parts = this.engine.snapshotReply(st.book.exchange, st.book.symbol);
        if (!parts) return;
        this.stats.snapshotRequests++;
        const now = monoNs();
        // Every part goes to the requester's inbox (allow_responses admits that many replies).
        for (const p of parts) {
          stampPublishTime(p, now);
          msg.respond(p);
        }
      },
    });
    this.responders.set(st, sub);
  }
}
