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
 */
import type { NatsConnection, Subscription } from 'nats';
import type { DsmConfig } from '../../config/schema.js';
import { monoNs } from '../common/clock.js';
import { childLogger } from '../common/log.js';
import { encodeSubjectToken } from '../marketdata/subject.js';
import { LatencyRecorder } from '../metrics/latency.js';
import { BookMirror, type MirrorOutcome } from '../mirror/book-mirror.js';
import { MirrorSet } from '../mirror/mirror-set.js';
import { connectAs } from '../nats/connect.js';
import { snapshotSubject, subjectScheme } from '../nats/subjects.js';
import { decodeInto, WireMessage } from '../wire/index.js';
import { BoundedQueue } from './queue.js';
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
  snapshotTimeoutMs?: number;
  /** Share one recorder between subscribers to report their latency together. */
  latency?: LatencyRecorder;
  /** Test hook: drop a received payload before it reaches the queue (simulates loss). */
  dropFilter?: (payload: Uint8Array) => boolean;
}

export interface SubscriberCounters {
  received: number;
  malformed: number;
  slowConsumer: number;
  droppedOnOverflow: number;
  snapshotRequests: number;
  snapshotFailures: number;
  reconnects: number;
}

export class Subscriber {
  readonly mirrors: MirrorSet;
  readonly latency: LatencyRecorder;
  readonly counters: SubscriberCounters = { received: 0, malformed: 0, slowConsumer: 0, droppedOnOverflow: 0, snapshotRequests: 0, snapshotFailures: 0, reconnects: 0 };
  nc: NatsConnection | undefined;
  private readonly queue: BoundedQueue;
  private readonly subs: Subscription[] = [];
  private readonly handlers: UpdateHandler[];
  private readonly msg = new WireMessage();
  /** Handed to every handler call: one object, refilled per update (no allocation per message). */
  private readonly ctx: UpdateContext;
  private draining = false;
  private readonly inFlight = new Set<BookMirror>();
  private closed = false;
  private readonly log = childLogger('subscriber');
  /** Monotonic time the last book message arrived (drills measure recovery with it). */
  lastUpdateMonoNs = 0;

  constructor(private readonly opts: SubscriberOptions) {
    const { controlPrefix, dataSuffix } = opts.config.subjects;
    for (const s of opts.subjects) checkDataPattern(s, controlPrefix, dataSuffix);
    this.queue = new BoundedQueue(opts.maxQueued ?? opts.config.client.maxQueuedMessages);
    this.handlers = opts.handlers ?? [];
    this.latency = opts.latency ?? new LatencyRecorder();
    this.mirrors = new MirrorSet({ onNeedSnapshot: (m) => this.requestSnapshot(m) });
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
    for (const subject of this.opts.subjects) {
      this.subs.push(nc.subscribe(subject, {
        callback: (err, m) => {
          if (err) { this.log.error({ subject, err: err.message }, 'subscription error'); return; }
          this.onPayload(m.data);
        },
      }));
    }
    await nc.flush();
    return this;
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

  private onSlowConsumer(): void {
    this.counters.slowConsumer++;
    this.counters.droppedOnOverflow += this.queue.clear() + 1;
    this.log.warn({ queued: this.queue.capacity, slowConsumer: this.counters.slowConsumer }, 'slow consumer: queue full, dropping it and resyncing from snapshots');
    this.mirrors.invalidateAll();
  }

  private async drain(): Promise<void> {
    try {
      for (let payload = this.queue.shift(); payload; payload = this.queue.shift()) {
        const recvMonoNs = this.queue.lastRecvMonoNs;
        const r = decodeInto(payload, this.msg);
        if (!r.ok) {
          this.counters.malformed++;
          this.mirrors.malformed++;
          continue;
        }
        const m = this.msg;
        if (m.type !== 'heartbeat') {
          this.latency.record('publish_to_subscriber', (recvMonoNs - m.pubMonoNs) / 1000);
          this.latency.record('end_to_end', (recvMonoNs - m.recvMonoNs) / 1000);
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

  /** One snapshot request per mirror at a time, retried while the mirror still needs it. */
  private requestSnapshot(mirror: BookMirror, attempt = 0): void {
    if (this.closed || !this.nc || this.inFlight.has(mirror)) return;
    this.inFlight.add(mirror);
    this.counters.snapshotRequests++;
    const subject = snapshotSubject(subjectScheme(this.opts.config), mirror.exchange, encodeSubjectToken(mirror.symbol));
    this.nc.request(subject, new Uint8Array(0), { timeout: this.opts.snapshotTimeoutMs ?? 2000 }).then(
      (reply) => {
        this.inFlight.delete(mirror);
        this.mirrors.handleBytes(reply.data);
        if (mirror.needsSnapshot) this.retry(mirror, attempt);
      },
      (err: Error) => {
        this.inFlight.delete(mirror);
        this.counters.snapshotFailures++;
        this.log.debug({ subject, err: err.message }, 'snapshot request failed');
        this.retry(mirror, attempt);
      },
    );
  }

  private retry(mirror: BookMirror, attempt: number): void {
    if (this.closed || !mirror.needsSnapshot) return;
    const delay = Math.min(2000, 50 * 2 ** attempt);
    setTimeout(() => this.requestSnapshot(mirror, attempt + 1), delay).unref();
  }

  /** Wait until every mirror is live and the queue is empty (or time out). */
  async settle(timeoutMs = 10_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const t = this.mirrors.totals();
      if (this.queue.size === 0 && !this.draining && t.awaiting === 0 && this.inFlight.size === 0) return true;
      if (Date.now() > deadline) return false;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  get queued(): number { return this.queue.size; }

  async close(): Promise<void> {
    this.closed = true;
    for (const s of this.subs) s.unsubscribe();
    await this.nc?.drain().catch(() => undefined);
  }
}
