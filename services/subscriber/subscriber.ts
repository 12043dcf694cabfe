/**
 * The subscriber library: mirrors every book on the subjects it is given, recovers from gaps
 * and late joins by snapshot request/reply, and hands applied updates to handlers.
 *
 *   NATS callback -> bounded queue -> decode -> latency -> MirrorSet (sequence, gaps, fencing)
 *                                                        -> handlers (callback, JSONL, BBO)
 *
 * The queue is bounded: when handlers cannot keep up it overflows, the subscriber reports a slow
 * consumer, drops what it held and resyncs every book from snapshots, so memory never grows
 * without limit. A reconnect is treated the same way (messages may have been lost).
 *
 * Hostile input (docs/security.md): a message whose payload names another book than its subject
 * is dropped and counted before it is queued; snapshot replies are applied only to the book
 * asked about; books are capped (`client.maxBooks`), and a book nobody publishes (its snapshot
 * request finds no responder) is forgotten; snapshot requests are paced per book (backoff with
 * jitter) and per subscriber (`client.snapshotRequestsPerSecond`), whatever the books want.
 */
import { RequestStrategy, type NatsConnection, type Subscription } from 'nats';
import type { DsmConfig } from '../../config/schema.js';
import { monoNs } from '../common/clock.js';
import { childLogger } from '../common/log.js';
import { encodeSubjectToken } from '../marketdata/subject.js';
import { LatencyRecorder, type HopRecorder } from '../metrics/latency.js';
import { BookMirror, type MirrorOutcome } from '../mirror/book-mirror.js';
import { MirrorSet } from '../mirror/mirror-set.js';
import { connectAs } from '../nats/connect.js';
import { snapshotSubject, subjectScheme } from '../nats/subjects.js';
import { WireMessage } from '../wire/index.js';
import { readU16 } from '../wire/bytes.js';
import { Flags, HEADER_BYTES, Offset } from '../wire/layout.js';
import { BoundedQueue } from './queue.js';
import { SnapshotPacer } from './snapshot-pacer.js';
import { SubjectPayloadCheck } from './subject-check.js';
import { checkDataPattern } from './subjects.js';

export interface UpdateContext {
  mirror: BookMirror;
  message: WireMessage;
  outcome: MirrorOutcome;
  subscriber: Subscriber;
}

/**
 * A handler sees every applied update; returning a promise makes the subscriber wait for it.
 * The context object (and its message) is reused for the next update: copy what you keep.
 */
export type UpdateHandler = (ctx: UpdateContext) => void | Promise<void>;

export interface SubscriberOptions {
  config: DsmConfig;
  tlsDir: string;
  identity?: string;
  subjects: string[];
  servers?: string[];
  name?: string;
  handlers?: UpdateHandler[];
  /** Queue bound (messages); default from config.client.maxQueuedMessages. */
  maxQueued?: number;
  /** Default: config.client.snapshotTimeoutMs. */
  snapshotTimeoutMs?: number;
  /** Share one recorder between subscribers to report their latency together. */
  latency?: LatencyRecorder;
  /** Test hook: drop a received payload before it reaches the queue (simulates loss). */
  dropFilter?: (payload: Uint8Array) => boolean;
  /**
   * Apply only books this accepts (a group member: the symbols it holds). Updates still queued
   * for a book the member has just released are skipped instead of recreating its mirror.
   */
  accept?: (exchange: string, symbol: string) => boolean;
}

export interface SubscriberCounters {
  received: number;
  malformed: number;
  slowConsumer: number;
  droppedOnOverflow: number;
  snapshotRequests: number;
  snapshotFailures: number;
  reconnects: number;
  /** Book messages decoded and handled (applied, buffered or dropped as duplicates). */
  processed: number;
  /** Time spent draining the queue (decode, mirror, handlers): processing cost for scaling. */
  busyNs: number;
  /** Messages whose payload named another book than their subject: dropped. */
  mismatched: number;
  /** Books forgotten because nobody answers snapshot requests for them (made-up symbols). */
  unknownBooks: number;
}

export class Subscriber {
  readonly mirrors: MirrorSet;
  readonly latency: LatencyRecorder;
  /** The two hops recorded per message, held so recording needs no lookup. */
  private readonly pubHop: HopRecorder;
  private readonly e2eHop: HopRecorder;
  readonly counters: SubscriberCounters = { received: 0, malformed: 0, slowConsumer: 0, droppedOnOverflow: 0, snapshotRequests: 0, snapshotFailures: 0, reconnects: 0, processed: 0, busyNs: 0, mismatched: 0, unknownBooks: 0 };
  nc: NatsConnection | undefined;
  private queue: BoundedQueue;
  private readonly subs: Subscription[] = [];
  /** Subjects added after start (group members): subject -> subscription. */
  private readonly dynamic = new Map<string, Subscription>();
  private readonly handlers: UpdateHandler[];
  private readonly msg = new WireMessage();
  /** Handed to every handler call: one object, refilled per update (no allocation per message). */
  private readonly ctx: UpdateContext;
  private draining = false;
  private readonly inFlight = new Set<BookMirror>();
  /** Mirrors with a paced request pending (timer set). */
  private readonly scheduled = new Set<BookMirror>();
  readonly pacer: SnapshotPacer<BookMirror>;
  private readonly subjectCheck: SubjectPayloadCheck;
  private lastMismatchLogMs = 0;
  private closed = false;
  private readonly log = childLogger('subscriber');
  /** Monotonic time the last book message arrived (drills measure recovery with it). */
  lastUpdateMonoNs = 0;
  /** Subscriptions the server refused (permissions): callers treat any as a failure. */
  readonly refused: Array<{ subject: string; error: string }> = [];

  constructor(private readonly opts: SubscriberOptions) {
    const { controlPrefix, dataSuffix } = opts.config.subjects;
    for (const s of opts.subjects) checkDataPattern(s, controlPrefix, dataSuffix);
    this.queue = new BoundedQueue(opts.maxQueued ?? opts.config.client.maxQueuedMessages);
    this.handlers = opts.handlers ?? [];
    this.latency = opts.latency ?? new LatencyRecorder();
    this.pubHop = this.latency.hop('publish_to_subscriber');
    this.e2eHop = this.latency.hop('end_to_end');
    const c = opts.config.client;
    this.mirrors = new MirrorSet({ onNeedSnapshot: (m) => this.requestSnapshot(m), maxBooks: c.maxBooks });
    this.pacer = new SnapshotPacer({ ratePerSecond: c.snapshotRequestsPerSecond, backoff: { baseMs: c.snapshotRetry.baseMs, maxMs: c.snapshotRetry.maxMs, jitter: c.snapshotRetry.jitterMs } });
    this.subjectCheck = new SubjectPayloadCheck();
    this.ctx = { mirror: undefined as unknown as BookMirror, message: this.msg, outcome: 'applied', subscriber: this };
  }

  addHandler(h: UpdateHandler): void {
    this.handlers.push(h);
  }

  async start(): Promise<this> {
    const { config, tlsDir } = this.opts;
    const nc = await connectAs(config, this.opts.identity ?? 'subscriber', { tlsDir, name: this.opts.name ?? 'dsm-subscriber', ...(this.opts.servers ? { servers: this.opts.servers } : {}) });
    this.nc = nc;
    void (async () => {
      for await (const s of nc.status()) {
        if (s.type === 'reconnect') {
          // Messages may have been lost while disconnected: resync every book.
          this.counters.reconnects++;
          this.mirrors.invalidateAll();
        }
      }
    })();
    for (const subject of this.opts.subjects) this.subs.push(this.subscribeData(nc, subject));
    await nc.flush();
    return this;
  }

  private subscribeData(nc: NatsConnection, subject: string): Subscription {
    return nc.subscribe(subject, {
      callback: (err, m) => {
        if (err) { this.refused.push({ subject, error: err.message }); this.log.error({ subject, err: err.message }, 'subscription error'); return; }
        if (!this.subjectCheck.matchesMsg(m)) { this.onMismatch(m.subject); return; }
        this.onPayload(m.data);
      },
    });
  }

  /** Start mirroring one more data subject (a group member gaining a symbol). */
  addSubject(subject: string): void {
    if (!this.nc || this.closed || this.dynamic.has(subject)) return;
    const { controlPrefix, dataSuffix } = this.opts.config.subjects;
    checkDataPattern(subject, controlPrefix, dataSuffix);
    this.dynamic.set(subject, this.subscribeData(this.nc, subject));
  }

  /** Stop mirroring a subject added with addSubject, and forget its book. */
  removeSubject(subject: string, exchange: string, symbol: string): void {
    this.dynamic.get(subject)?.unsubscribe();
    this.dynamic.delete(subject);
    const mirror = this.mirrors.get(exchange, symbol);
    if (mirror) this.inFlight.delete(mirror);
    this.mirrors.removeSymbol(exchange, symbol);
  }

  /**
   * Ask for a book's snapshot before any update arrived (a gained symbol that may be quiet).
   * A book that already has a mirror recovers through it; this only covers the first sight.
   */
  primeSnapshot(exchange: string, symbol: string): void {
    if (this.closed || !this.nc || this.mirrors.get(exchange, symbol)) return;
    const subject = snapshotSubject(subjectScheme(this.opts.config), exchange, encodeSubjectToken(symbol));
    this.counters.snapshotRequests++;
    this.nc.request(subject, new Uint8Array(0), { timeout: this.opts.snapshotTimeoutMs ?? this.opts.config.client.snapshotTimeoutMs }).then(
      (reply) => {
        if (this.closed || (this.opts.accept && !this.opts.accept(exchange, symbol))) return;
        this.mirrors.handleBytes(reply.data);
      },
      (err: Error) => {
        // No snapshot (yet): the first update creates the mirror, which asks again and retries.
        this.counters.snapshotFailures++;
        this.log.debug({ subject, err: err.message }, 'first snapshot request failed');
      },
    );
  }

  private onPayload(payload: Uint8Array): void {
    if (this.opts.dropFilter?.(payload)) return;
    this.counters.received++;
    if (!this.queue.push(payload, monoNs())) {
      this.onSlowConsumer();
      return;
    }
    if (!this.draining) {
      this.draining = true;
      queueMicrotask(() => void this.drain());
    }
  }

  private onMismatch(subject: string): void {
    this.counters.mismatched++;
    const now = Date.now();
    if (now - this.lastMismatchLogMs < 1000) return;
    this.lastMismatchLogMs = now;
    this.log.warn({ subject: subject.slice(0, 200), mismatched: this.counters.mismatched }, 'dropped a message whose payload names another book than its subject');
  }

  private onSlowConsumer(): void {
    this.counters.slowConsumer++;
    this.counters.droppedOnOverflow += this.queue.clear() + 1;
    this.log.warn({ queued: this.queue.capacity, slowConsumer: this.counters.slowConsumer }, 'slow consumer: queue full, dropping it and resyncing from snapshots');
    this.mirrors.invalidateAll();
  }

  private async drain(): Promise<void> {
    const started = monoNs();
    try {
      for (let payload = this.queue.shift(); payload; payload = this.queue.shift()) {
        const recvMonoNs = this.queue.lastRecvMonoNs;
        const r = this.mirrors.decode(payload, this.msg);
        if (!r.ok) {
          this.counters.malformed++;
          this.mirrors.malformed++;
          continue;
        }
        const m = this.msg;
        if (this.opts.accept && m.type !== 'heartbeat' && !this.opts.accept(m.exchange, m.symbol)) continue;
        this.counters.processed++;
        if (m.type !== 'heartbeat') {
          this.pubHop.record((recvMonoNs - m.pubMonoNs) / 1000);
          this.e2eHop.record((recvMonoNs - m.recvMonoNs) / 1000);
          this.lastUpdateMonoNs = recvMonoNs;
        }
        const outcome = this.mirrors.handle(m);
        if (outcome === 'applied' || outcome === 'resynced') {
          // Await only handlers that are asynchronous: a promise per message costs a microtask hop.
          const pending = this.runHandlers(m, outcome);
          if (pending) await pending;
        }
      }
    } finally {
      this.counters.busyNs += monoNs() - started;
      this.draining = false;
    }
  }

  /** Runs the handlers in order; returns a promise only once one of them is asynchronous. */
  private runHandlers(message: WireMessage, outcome: MirrorOutcome, from = 0): Promise<void> | undefined {
    if (this.handlers.length === 0) return undefined;
    const ctx = this.ctx;
    // The mirror the message was just routed to (no second lookup by exchange and symbol).
    ctx.mirror = this.mirrors.lastRouted!;
    ctx.message = message;
    ctx.outcome = outcome;
    for (let i = from; i < this.handlers.length; i++) {
      const p = this.handlers[i]!(ctx);
      if (p) return p.then(() => this.runHandlers(message, outcome, i + 1));
    }
    return undefined;
  }

  /**
   * One snapshot request per mirror at a time, retried while the mirror still needs it, paced by
   * the book's backoff and the subscriber-wide rate (SnapshotPacer).
   */
  private requestSnapshot(mirror: BookMirror): void {
    if (this.closed || !this.nc || this.inFlight.has(mirror) || this.scheduled.has(mirror)) return;
    if (this.mirrors.get(mirror.exchange, mirror.symbol) !== mirror) return; // forgotten meanwhile
    const wait = this.pacer.acquire(mirror, mirror.hasBook);
    if (wait > 0) {
      this.scheduled.add(mirror);
      setTimeout(() => {
        this.scheduled.delete(mirror);
        if (mirror.needsSnapshot) this.requestSnapshot(mirror);
      }, wait).unref();
      return;
    }
    this.inFlight.add(mirror);
    this.counters.snapshotRequests++;
    const subject = snapshotSubject(subjectScheme(this.opts.config), mirror.exchange, encodeSubjectToken(mirror.symbol));
    this.fetchSnapshot(subject, mirror).then(
      () => {
        this.inFlight.delete(mirror);
        // No backoff reset on success: a book poisoned again right after each resync must not
        // turn into a request per round trip. The pacer forgets a book after a quiet spell.
        if (mirror.needsSnapshot) this.requestSnapshot(mirror);
      },
      (err: Error & { code?: string }) => {
        this.inFlight.delete(mirror);
        this.counters.snapshotFailures++;
        // Nobody publishes this book (a made-up symbol on a wildcard): forget it rather than
        // keep it and its buffer waiting forever. A real book appearing later is mirrored anew.
        if (err.code === '503' && !mirror.hasBook && this.mirrors.remove(mirror)) {
          this.counters.unknownBooks++;
          this.pacer.reset(mirror);
          return;
        }
        this.log.debug({ subject, err: err.message }, 'snapshot request failed');
        if (mirror.needsSnapshot) this.requestSnapshot(mirror);
      },
    );
  }

  /**
   * Request a snapshot and apply its reply: one message, or every part of a multi-part snapshot
   * (Flags.MORE on all but the last). Rejects on timeout or when no ingest answers (code 503).
   */
  private async fetchSnapshot(subject: string, mirror: BookMirror): Promise<void> {
    const replies = await this.nc!.requestMany(subject, new Uint8Array(0), { strategy: RequestStrategy.Timer, maxWait: this.opts.snapshotTimeoutMs ?? this.opts.config.client.snapshotTimeoutMs, noMux: true, maxMessages: 64 });
    let got = 0;
    for await (const reply of replies) {
      // An empty reply is the owning ingest saying it holds no such book (snapshot-responder.ts).
      if (reply.data.length === 0) throw Object.assign(new Error(`no ingest publishes ${subject}`), { code: '503' });
      got++;
      this.mirrors.handleReply(reply.data, mirror);
      const data = reply.data;
      if (data.length < HEADER_BYTES || (readU16(data, Offset.flags) & Flags.MORE) === 0 || got >= 64) break;
    }
    if (got === 0) throw Object.assign(new Error(`snapshot request ${subject} timed out`), { code: 'TIMEOUT' });
  }

  /** Wait until every mirror is live and the queue is empty (or time out). */
  async settle(timeoutMs = 10_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const t = this.mirrors.totals();
      if (this.queue.size === 0 && !this.draining && t.awaiting === 0 && this.inFlight.size === 0 && this.scheduled.size === 0) return true;
      if (Date.now() > deadline) return false;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  get queued(): number { return this.queue.size; }

  get maxQueued(): number { return this.queue.capacity; }

  /**
   * Change the queue bound (the feedback loop's maxQueuedMessages). What is queued moves to the
   * new queue in order; if it does not fit, that is an overflow like any other (drop, resync).
   */
  setMaxQueued(capacity: number): void {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`queue bound must be a positive integer, got ${capacity}`);
    if (capacity === this.queue.capacity) return;
    const next = new BoundedQueue(capacity);
    const old = this.queue;
    this.queue = next;
    for (let p = old.shift(); p; p = old.shift()) {
      if (!next.push(p, old.lastRecvMonoNs)) {
        this.onSlowConsumer();
        return;
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const s of this.subs) s.unsubscribe();
    for (const s of this.dynamic.values()) s.unsubscribe();
    await this.nc?.drain().catch(() => undefined);
  }
}
