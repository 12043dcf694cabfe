/**
 * What owns a shard of symbols: their books (PublishEngine), a NATS connection, and the snapshot
 * responders. It runs inside a worker thread (worker.ts) or inline on the ingest's own thread
 * (`workers: 0`), where it saves the thread hand-off on the latency path.
 */
import type { NatsConnection } from 'nats';
import { monoNs } from '../common/clock.js';
import { childLogger } from '../common/log.js';
import { LatencyRecorder } from '../metrics/latency.js';
import { connectAs } from '../nats/connect.js';
import { subjectScheme } from '../nats/subjects.js';
import { Offset, stampPublishTime } from '../wire/index.js';
import { writeU32 } from '../wire/bytes.js';
import type { FeedUpdate } from './feed-update.js';
import type { WorkerInit, WorkerStats } from './protocol.js';
import { PublishEngine, type BookDump, type BookState, type Outgoing } from './publish-engine.js';
import { SnapshotResponder } from './snapshot-responder.js';

export class PublisherCore {
  private nc!: NatsConnection;
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

  constructor(private readonly init: WorkerInit) {
    this.publishing = init.publishing;
    this.coalesce = init.coalesce ?? false;
    this.engine = new PublishEngine({ epoch: init.epoch, dataSuffix: init.config.subjects.dataSuffix, snapshotDepth: init.config.ingest.snapshotDepth });
    this.stats = { worker: init.worker, updates: 0, published: 0, publishedBytes: 0, snapshotRequests: 0, symbols: 0, perExchange: {} };
  }

  async connect(): Promise<void> {
    const m = this.init;
    this.nc = await connectAs(m.config, m.identity, { tlsDir: m.tlsDir, name: `${m.publisherId}-w${m.worker}`, ...(m.servers ? { servers: m.servers } : {}) });
    // One responder for all of this core's books, set up before the first update (never per symbol).
    this.responder = new SnapshotResponder(this.nc, {
      scheme: subjectScheme(m.config),
      source: this.engine,
      isPublishing: () => this.publishing,
      beforeReply: (snap) => stampPublishTime(snap, monoNs()),
      onServed: () => { this.stats.snapshotRequests++; },
      onBadRequest: (subject, reason) => childLogger('ingest').warn({ subject, reason, worker: m.worker }, 'ignored snapshot request'),
    });
    // The subscription must be known to the server before anyone can be told this core exists.
    await this.nc.flush();
  }

  currentStats(): WorkerStats {
    const perExchange: Record<string, number> = {};
    for (const [ex, c] of this.perExchange) perExchange[ex] = c.n;
    return { ...this.stats, symbols: this.engine.size, perExchange, ingestToPublish: this.latency.summary().ingest_to_publish };
  }

  apply(updates: readonly FeedUpdate[]): void {
    // With coalescing, staged books go out at the end of this thread's turn, which may take in
    // several hand-off batches (a MessagePort delivers what is pending in one go).
    for (let i = 0; i < updates.length; i++) this.applyOne(updates[i]!);
  }

  applyOne(u: FeedUpdate): void {
    this.stats.updates++;
    if (this.coalesce) {
      if (u.kind !== 'snapshot') {
        this.stage(u);
        return;
      }
      // A snapshot replaces the book: whatever is staged goes out first, in order.
      this.flushStaged();
    }
    const out = this.engine.apply(u);
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
      return;
    }
    const now = monoNs();
    stampPublishTime(out.payload, now);
    this.nc.publish(out.subject, out.payload);
    this.latency.record('ingest_to_publish', (now - recvMonoNs) / 1000);
    this.stats.published++;
    this.stats.publishedBytes += out.payload.length;
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
    this.flushStaged();
    try { await this.nc.drain(); } catch { /* already closed */ }
    return this.currentStats();
  }
}
