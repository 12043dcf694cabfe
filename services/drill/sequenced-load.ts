/**
 * Built-in drill load, for when the real pipeline is not attached: a publisher (ingest identity)
 * keeps a tiny "book" (one value per key) and publishes sequenced updates at a fixed rate, with a
 * heartbeat carrying its latest sequence; subscribers on different nodes mirror the book, detect
 * gaps by sequence, resync from a snapshot (request/reply on the control subject, as the real
 * subscriber does), and drop duplicates. It exercises the same NATS paths, permissions and
 * failure modes as the pipeline, behind the `DrillLoad` interface the pipeline will implement.
 */
import type { NatsConnection, Msg } from 'nats';
import type { DsmConfig } from '../../config/schema.js';
import { natsNodes } from '../../config/topology.js';
import { connectAs } from '../nats/connect.js';
import { judgeReplySubject } from '../nats/reply-guard.js';
import { snapshotSubject, subjectScheme } from '../nats/subjects.js';
import { nowMs } from './trail.js';
import type { DrillLoad, LoadCounters, SubscriberCounters } from './types.js';

export interface SequencedLoadOptions {
  cfg: DsmConfig;
  tlsDir: string;
  /** Updates per second. */
  rate?: number;
  /** Keys in the book (each update sets one). */
  keys?: number;
  /** Node the publisher prefers (it fails over to the others). */
  publisherNode?: number;
  /** One subscriber per entry, each preferring that node. */
  subscriberNodes?: number[];
  /** Exchange whose data subject carries the load (default NYSE if configured). */
  exchange?: string;
  symbolToken?: string;
  /** Client URLs in node order (default: from the config). */
  servers?: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const enc = new TextEncoder();
const dec = new TextDecoder();

/** `t`: publish time (epoch ms) stamped by the publisher, as the real wire format's pubTs. */
type Update = { s: number; k: number; v: number; t: number };
type Heartbeat = { h: number };
type Snapshot = { snap: number; book: number[] };

/** The value an update sets is a function of its sequence, so any two books can be compared exactly. */
const valueOf = (seq: number) => (seq * 2654435761) % 1_000_000_007;

/** Servers with the preferred node first; the client keeps this order (noRandomize) on failover. */
function preferring(servers: string[], node: number): string[] {
  const i = Math.max(0, Math.min(servers.length - 1, node - 1));
  return [...servers.slice(i), ...servers.slice(0, i)];
}

class Mirror {
  readonly counters: SubscriberCounters;
  readonly book: Int32Array;
  seq = -1;
  private syncing = false;
  private buffer: Update[] = [];
  private closed = false;

  constructor(readonly nc: NatsConnection, name: string, keys: number, private readonly subject: string, private readonly snapSubject: string) {
    const counters: SubscriberCounters = { name, received: 0, gaps: 0, resyncs: 0, duplicatesDropped: 0, lastUpdateAt: undefined, disconnects: 0 };
    this.counters = counters;
    this.book = new Int32Array(keys);
    void (async () => { for await (const s of nc.status()) if (s.type === 'disconnect') counters.disconnects++; })();
  }

  async start(): Promise<void> {
    this.nc.subscribe(this.subject, { callback: (err, m) => { if (!err) this.onMessage(m); } });
    await this.nc.flush();
    await this.resync(false);
  }

  get settled(): boolean { return !this.syncing && this.buffer.length === 0; }

  private onMessage(m: Msg): void {
    const body = JSON.parse(dec.decode(m.data)) as Update | Heartbeat;
    if ('h' in body) {
      if (!this.syncing && body.h > this.seq) { this.counters.gaps++; void this.resync(true); }
      return;
    }
    this.counters.received++;
    this.counters.lastUpdateAt = nowMs();
    this.counters.lastPublishedAt = body.t;
    if (this.syncing) { this.buffer.push(body); return; }
    this.apply(body);
  }

  /** Apply in sequence; a jump ahead is a gap: keep the update and resync. */
  private apply(u: Update): boolean {
    if (u.s <= this.seq) { this.counters.duplicatesDropped++; return true; }
    if (u.s === this.seq + 1) { this.book[u.k] = u.v; this.seq = u.s; return true; }
    this.counters.gaps++;
    this.buffer.unshift(u);
    void this.resync(true);
    return false;
  }

  private async resync(counted: boolean): Promise<void> {
    if (this.syncing) return;
    this.syncing = true;
    for (let again = true; again && !this.closed;) {
      again = false;
      for (;;) {
        if (this.closed) return;
        try {
          const r = await this.nc.request(this.snapSubject, enc.encode(''), { timeout: 1000 });
          const snap = JSON.parse(dec.decode(r.data)) as Snapshot;
          this.book.set(snap.book);
          this.seq = snap.snap;
          if (counted) this.counters.resyncs++;
          break;
        } catch {
          await sleep(50);
        }
      }
      counted = true;
      while (this.buffer.length) {
        const u = this.buffer.shift()!;
        if (u.s <= this.seq) { this.counters.duplicatesDropped++; continue; }
        if (u.s === this.seq + 1) { this.book[u.k] = u.v; this.seq = u.s; continue; }
        this.counters.gaps++;
        this.buffer.unshift(u);
        again = true;
        break;
      }
    }
    this.syncing = false;
  }

  close(): void { this.closed = true; }
}

export class SequencedLoad implements DrillLoad {
  readonly description: string;
  private readonly rate: number;
  private readonly keys: number;
  private readonly subject: string;
  private readonly snapSubject: string;
  private pub: NatsConnection | undefined;
  private mirrors: Mirror[] = [];
  private book: Int32Array;
  private seq = 0;
  private published = 0;
  private timers: NodeJS.Timeout[] = [];

  constructor(private readonly opts: SequencedLoadOptions) {
    const cfg = opts.cfg;
    this.rate = opts.rate ?? 1000;
    this.keys = opts.keys ?? 64;
    this.book = new Int32Array(this.keys);
    const exchange = opts.exchange ?? (cfg.exchanges.some((e) => e.name === 'NYSE') ? 'NYSE' : cfg.exchanges[0]!.name);
    const token = opts.symbolToken ?? 'DRILL';
    this.subject = `${exchange}.${token}.${cfg.subjects.dataSuffix}`;
    this.snapSubject = snapshotSubject(subjectScheme(cfg), exchange, token);
    const subs = opts.subscriberNodes ?? [1, 2];
    this.description = `built-in sequenced load: ${this.rate} msg/s on ${this.subject}, publisher on nats-${opts.publisherNode ?? 2}, subscribers on ${subs.map((n) => `nats-${n}`).join(', ')}`;
  }

  private servers(): string[] {
    return this.opts.servers ?? natsNodes(this.opts.cfg).map((n) => `tls://${n.ip}:${n.clientPort}`);
  }

  /** Subscriber identities entitled to the load's exchange, used round-robin. */
  private subscriberIdentities(): string[] {
    const exchange = this.subject.split('.')[0]!;
    const ids = this.opts.cfg.identities.filter((i) => i.role === 'subscriber' && (!i.exchanges || i.exchanges.includes(exchange))).map((i) => i.name);
    if (!ids.length) throw new Error(`no subscriber identity is entitled to ${exchange}`);
    return ids;
  }

  async start(): Promise<void> {
    const { cfg, tlsDir } = this.opts;
    const ingest = cfg.identities.find((i) => i.role === 'ingest')!.name;
    this.pub = await connectAs(cfg, ingest, { tlsDir, servers: preferring(this.servers(), this.opts.publisherNode ?? 2), noRandomize: true, name: 'dsm-drill-publisher' });
    this.pub.subscribe(this.snapSubject, {
      callback: (err, m) => { if (!err && judgeReplySubject(cfg, m.reply, this.subject.split('.')[0]!).ok) m.respond(enc.encode(JSON.stringify({ snap: this.seq, book: Array.from(this.book) } satisfies Snapshot))); },
    });
    await this.pub.flush();
    const nodes = this.opts.subscriberNodes ?? [1, 2];
    this.mirrors = await Promise.all(nodes.map((node, i) => this.connectMirror(node, i + 1)));
    this.resetPace();
    this.timers.push(setInterval(() => this.publishDue(), 5));
    this.timers.push(setInterval(() => this.heartbeat(), 100));
  }

  private nextMirror = 0;

  private async connectMirror(node: number, n: number): Promise<Mirror> {
    const { cfg, tlsDir } = this.opts;
    const ids = this.subscriberIdentities();
    const id = ids[(n - 1) % ids.length]!;
    const nc = await connectAs(cfg, id, { tlsDir, servers: preferring(this.servers(), node), noRandomize: true, name: `dsm-drill-sub-${n}` });
    const m = new Mirror(nc, `sub-${n}@nats-${node}(${id})`, this.keys, this.subject, this.snapSubject);
    await m.start();
    this.nextMirror = Math.max(this.nextMirror, n);
    return m;
  }

  /** Scale-out: one more mirror, joining mid-stream with a snapshot (on the least used node). */
  async addSubscriber(): Promise<string> {
    const n = natsNodes(this.opts.cfg).length;
    const m = await this.connectMirror((this.nextMirror % n) + 1, this.nextMirror + 1);
    this.mirrors.push(m);
    return m.counters.name;
  }

  /** Scale-in: the newest mirror leaves; it no longer counts towards recovery or books. */
  async removeSubscriber(): Promise<string> {
    const m = this.mirrors.pop();
    if (!m) throw new Error('no subscriber left to stop');
    m.close();
    await m.nc.close().catch(() => undefined);
    return m.counters.name;
  }

  /** The feed goes quiet (the ingest keeps its heartbeats), as on a lost exchange link. */
  pauseFeed(): void { this.paused = true; }

  resumeFeed(): void { this.paused = false; this.resetPace(); }

  private paused = false;
  private paceStart = 0;
  private paceBase = 0;

  private resetPace(): void { this.paceStart = nowMs(); this.paceBase = this.published; }

  private publishDue(): void {
    if (this.paused) return;
    const due = this.paceBase + Math.floor(((nowMs() - this.paceStart) * this.rate) / 1000) - this.published;
    for (let i = 0; i < due; i++) {
      const s = ++this.seq;
      const k = s % this.keys;
      const v = valueOf(s);
      this.book[k] = v;
      this.pub!.publish(this.subject, enc.encode(JSON.stringify({ s, k, v, t: nowMs() } satisfies Update)));
      this.published++;
    }
  }

  private heartbeat(): void {
    this.pub?.publish(this.subject, enc.encode(JSON.stringify({ h: this.seq } satisfies Heartbeat)));
  }

  snapshotCounters(): LoadCounters {
    return { published: this.published, subscribers: this.mirrors.map((m) => ({ ...m.counters })) };
  }

  async stop(): Promise<LoadCounters> {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    // Heartbeats let a subscriber that missed the last updates notice and resync.
    const deadline = nowMs() + 10_000;
    while (nowMs() < deadline && !this.mirrors.every((m) => m.settled && m.seq === this.seq)) {
      this.heartbeat();
      await sleep(50);
    }
    return this.snapshotCounters();
  }

  async booksConsistent(): Promise<boolean> {
    return this.mirrors.every((m) => m.seq === this.seq && m.book.every((v, i) => v === this.book[i]));
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    for (const m of this.mirrors) m.close();
    await Promise.all([...this.mirrors.map((m) => m.nc.close().catch(() => undefined)), this.pub?.close().catch(() => undefined)]);
  }
}
