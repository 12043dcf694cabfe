/**
 * The real pipeline as a drill load (`dsm drill ... --load pipeline`): the ingest service
 * (inline shard, no worker hand-off) replays the recorded sessions at a fixed rate, and DSM
 * subscribers on different nodes mirror every book through the wire format, sequence checks,
 * snapshots and resyncs. At the end each subscriber's mirrors are compared with the ingest's books.
 */
import type { DsmConfig } from '../../config/schema.js';
import { monoNs } from '../common/clock.js';
import type { FeedUpdate } from '../ingest/feed-update.js';
import { IngestService } from '../ingest/service.js';
import { LocalIngestPair } from '../ingest/ha/local-pair.js';
import { isRecorded, sourceFor } from '../ingest/sources/index.js';
import { compareBooks } from '../pipeline/compare.js';
import { Subscriber } from '../subscriber/subscriber.js';
import { nowMs } from './trail.js';
import type { DrillLoad, LoadCounters } from './types.js';

export interface PipelineLoadOptions {
  cfg: DsmConfig;
  tlsDir: string;
  /** Client URLs in node order. */
  servers: string[];
  /** Repository root the config's sample paths are relative to. */
  root: string;
  /** Feed updates routed per second. */
  rate?: number;
  publisherNode?: number;
  subscriberNodes?: number[];
  /** Run a hot-standby ingest pair (two processes, leader lease) instead of one in-process ingest. */
  pair?: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function preferring(servers: string[], node: number): string[] {
  const i = Math.max(0, Math.min(servers.length - 1, node - 1));
  return [...servers.slice(i), ...servers.slice(0, i)];
}

interface Tracked {
  sub: Subscriber;
  name: string;
  lastUpdateAt: number | undefined;
  lastPublishedAt: number | undefined;
}

export class PipelineLoad implements DrillLoad {
  readonly description: string;
  private ingest: IngestService | undefined;
  /** The hot-standby pair, when the load runs one (ingest-failover drills). */
  pair: LocalIngestPair | undefined;
  private subs: Tracked[] = [];
  private updates: FeedUpdate[] = [];
  private timer: NodeJS.Timeout | undefined;
  private routed = 0;
  private paused = false;
  private paceStart = 0;
  private paceBase = 0;
  /** Monotonic ns -> epoch ms on this host (the ingest stamps pubMonoNs). */
  private readonly monoToEpochMs = nowMs() - monoNs() / 1e6;

  constructor(private readonly opts: PipelineLoadOptions) {
    this.description = `pipeline: recorded sessions replayed at ${this.rate} updates/s through ${opts.pair ? 'a hot-standby ingest pair (two processes, leader lease)' : 'the ingest'} (nats-${opts.publisherNode ?? 2}), DSM subscribers on ${(opts.subscriberNodes ?? [1, 2]).map((n) => `nats-${n}`).join(', ')}`;
  }

  private get rate(): number { return this.opts.rate ?? 1000; }

  /** Whether this load runs a hot-standby ingest pair (known before it starts). */
  get hasPair(): boolean { return this.opts.pair ?? false; }

  async start(): Promise<void> {
    const { cfg, tlsDir, servers, root } = this.opts;
    for (const ex of cfg.exchanges.filter(isRecorded)) for await (const u of sourceFor(ex, root, cfg.client).updates()) this.updates.push(u);
    if (!this.updates.length) throw new Error('pipeline load: the config has no recorded feed to replay');
    this.updates.sort((a, b) => a.atUs - b.atUs);
    for (const [i, node] of (this.opts.subscriberNodes ?? [1, 2]).entries()) {
      this.track({ sub: await this.subscriberOn(node, i + 1), name: `sub-${i + 1}@nats-${node}`, lastUpdateAt: undefined, lastPublishedAt: undefined });
    }
    const ingestServers = preferring(servers, this.opts.publisherNode ?? 2);
    if (this.opts.pair) {
      this.pair = new LocalIngestPair({ config: cfg, tlsDir, servers: ingestServers, root });
      await this.pair.start();
    } else {
      this.ingest = new IngestService({ config: cfg, tlsDir, root, pace: { mode: 'max' }, sources: [], workers: 0, servers: ingestServers });
      await this.ingest.start();
    }
    this.paceStart = nowMs();
    this.timer = setInterval(() => {
      if (this.paused) return;
      const due = this.paceBase + Math.floor(((nowMs() - this.paceStart) * this.rate) / 1000);
      const batch: FeedUpdate[] = [];
      for (; this.routed < due; this.routed++) batch.push({ ...this.updates[this.routed % this.updates.length]! });
      if (this.pair) this.pair.send(batch);
      else {
        for (const u of batch) this.ingest!.route(u);
        this.ingest!.flush();
      }
    }, 5);
  }

  /** The ingest's input goes quiet (it keeps its books and heartbeats), as on a lost exchange link. */
  pauseFeed(): void { this.paused = true; }

  resumeFeed(): void {
    this.paused = false;
    this.paceStart = nowMs();
    this.paceBase = this.routed;
  }

  /** Scale-out: a new DSM subscriber joins mid-stream (snapshots for every book). */
  async addSubscriber(): Promise<string> {
    const n = this.subs.length + 1;
    const node = ((n - 1) % this.opts.servers.length) + 1;
    const t: Tracked = { sub: await this.subscriberOn(node, n), name: `sub-${n}@nats-${node}`, lastUpdateAt: undefined, lastPublishedAt: undefined };
    this.track(t);
    return t.name;
  }

  async removeSubscriber(): Promise<string> {
    const t = this.subs.pop();
    if (!t) throw new Error('no subscriber left to stop');
    await t.sub.close().catch(() => undefined);
    return t.name;
  }

  private track(t: Tracked): void {
    t.sub.addHandler((ctx) => {
      t.lastUpdateAt = nowMs();
      t.lastPublishedAt = ctx.message.pubMonoNs / 1e6 + this.monoToEpochMs;
    });
    this.subs.push(t);
  }

  /**
   * A subscriber connected to the given node. The subscriber library randomizes its server
   * order (and the cluster does not advertise peers), so connect until it lands on the node,
   * keeping every URL for failover.
   */
  private async subscriberOn(node: number, n: number): Promise<Subscriber> {
    const { cfg, tlsDir, servers } = this.opts;
    for (let attempt = 0; ; attempt++) {
      const sub = await new Subscriber({ config: cfg, tlsDir, subjects: [`*.*.${cfg.subjects.dataSuffix}`], servers: preferring(servers, node), name: `dsm-drill-pipeline-sub-${n}` }).start();
      if (sub.nc?.info?.server_name === `nats-${node}` || attempt >= 20) return sub;
      await sub.close();
    }
  }

  snapshotCounters(): LoadCounters {
    const published = this.pair ? this.pair.published() : this.ingest ? this.ingest.workerStats().reduce((a, w) => a + w.published, 0) : 0;
    return {
      published,
      subscribers: this.subs.map((t) => {
        const m = t.sub.mirrors.totals();
        return {
          name: t.name, received: t.sub.counters.received, gaps: m.gaps, resyncs: m.resyncs, duplicatesDropped: m.duplicates,
          lastUpdateAt: t.lastUpdateAt, lastPublishedAt: t.lastPublishedAt, disconnects: t.sub.counters.reconnects,
        };
      }),
    };
  }

  async stop(): Promise<LoadCounters> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.ingest?.flush();
    // Worker stats refresh every 250 ms; let the last updates reach the subscribers first.
    await sleep(600);
    await Promise.all(this.subs.map((t) => t.sub.settle(15_000)));
    return this.snapshotCounters();
  }

  async booksConsistent(): Promise<boolean> {
    if (!this.ingest && !this.pair) return false;
    const dumps = this.pair ? await this.pair.dump() : await this.ingest!.dump();
    return this.subs.every((t) => compareBooks(dumps, t.sub.mirrors, () => true).mismatches.length === 0);
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    for (const t of this.subs) await t.sub.close().catch(() => undefined);
    await this.ingest?.stop().catch(() => undefined);
    await this.pair?.stop().catch(() => undefined);
  }
}
