/**
 * Pipeline benchmark: raw nats.js publish -> subscribe against the DSM pipeline
 * (book -> encode -> publish -> subscriber decode -> mirror), in one run, on the same 3-node mTLS
 * cluster, with the same message count and the same payloads (the DSM-encoded updates, so sizes
 * match exactly). Publisher on node 1, subscriber on node 3: both paths cross a route.
 *
 * Two phases per path:
 * - throughput: N messages offered as fast as the publisher goes, timed until the last one is
 *   received;
 * - latency: the same stream offered at a fixed rate (default 50k/s, in 1 ms ticks), with HDR
 *   histograms per hop.
 * Raw and DSM phases alternate (raw, dsm, raw, dsm) and the better run of each is kept, to be
 * fair on a noisy shared machine.
 */
import type { NatsConnection } from 'nats';
import { loadConfig } from '../config/load.js';
import type { DsmConfig } from '../config/schema.js';
import { monoNs } from '../services/common/clock.js';
import type { FeedUpdate } from '../services/ingest/feed-update.js';
import type { LevelChange, Side } from '../services/marketdata/events.js';
import { PublishEngine } from '../services/ingest/publish-engine.js';
import { IngestService } from '../services/ingest/service.js';
import { LocalCluster } from '../services/nats/local-cluster.js';
import { connectAs } from '../services/nats/connect.js';
import { withFreeLoopbackPorts } from '../services/nats/ports.js';
import { stampPublishTime } from '../services/wire/index.js';
import type { FromSub, ToSub } from './pipeline-subscriber.js';
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { generateL2Stream } from './l2-stream.js';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export interface Percentiles { p50: number; p99: number; p999: number; max: number }

/** DSM and raw nats.js side by side on the same cluster and payloads (one benchmark point). */
export interface SideBySide {
  raw_msgs_per_s: number;
  dsm_msgs_per_s: number;
  throughput_ratio: number;
  raw_latency_us: Percentiles;
  dsm_e2e_latency_us: Percentiles;
  dsm_ingest_to_publish_us: Percentiles;
  dsm_publish_to_subscriber_us: Percentiles;
  p50_delta_us: number;
  p99_delta_us: number;
}

export interface PipelineBenchResult extends SideBySide {
  machine: { cpus: number; node: string };
  messages: number;
  symbols: number;
  payload_bytes_avg: number;
  offered_rate: number;
  workers: number;
  targets: { throughput_ratio_min: number; p50_within_us: number; p99_within_us: number; met: boolean };
  books_equal: boolean;
}

export interface PipelineBenchOptions {
  messages?: number;
  rate?: number;
  symbols?: number;
  workers?: number;
  log?: (line: string) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The benchmark's updates: one independent deterministic L2 stream per book, interleaved
 * round-robin, held compactly (a side, a price and a size per update in three typed arrays).
 * `at(i)` fills one object of a ring and returns it: what `IngestService.route` takes, as a
 * feed's decoder would hand it over.
 *
 * Why not an array of update objects: at 1,000,000 updates those objects (and the raw path's
 * payload copies, each with a backing store of its own) made this process a 600 MB heap, and
 * this process also hosts the inline ingest under test, which then paid that heap's major
 * collections in the middle of a latency run: a cost no ingest has in production, and one the
 * raw path, allocating less, mostly escaped. Route takes an update synchronously (inline) or
 * copies it at the next flush (workers), which the offer loop calls at least every 512 updates,
 * far inside the ring.
 */
export class BenchUpdates implements Iterable<FeedUpdate> {
  private readonly sides: Uint8Array;
  private readonly prices: Float64Array;
  private readonly sizes: Float64Array;
  private readonly names: string[];
  private readonly ring: Array<FeedUpdate & { changes: LevelChange[] }>;
  private static readonly RING = 1 << 16;

  constructor(readonly length: number, readonly symbols: number) {
    const per = Math.ceil(length / symbols);
    this.sides = new Uint8Array(length);
    this.prices = new Float64Array(length);
    this.sizes = new Float64Array(length);
    for (let k = 0; k < symbols; k++) {
      const s = generateL2Stream({ events: per, seed: 7 + k });
      for (let j = 0, i = k; j < per && i < length; j++, i += symbols) {
        this.sides[i] = s.sides[j]!;
        this.prices[i] = s.prices[j]!;
        this.sizes[i] = s.sizes[j]!;
      }
    }
    this.names = Array.from({ length: symbols }, (_, k) => `SYM${k}`);
    const format = { priceDecimals: 2, sizeDecimals: 0 };
    this.ring = Array.from({ length: BenchUpdates.RING }, () => ({
      kind: 'delta' as const, exchange: 'BENCH', symbol: '', format, exchSeq: 0, exchTsUs: 0, recvMonoNs: 0, recvWallUs: 0, atUs: 0,
      changes: [{ side: 'bid' as Side, price: 0, size: 0 }],
    }));
  }

  /** Update `i` (valid until `at` is called 65,536 more times). */
  at(i: number): FeedUpdate {
    const u = this.ring[i & (BenchUpdates.RING - 1)]!;
    u.symbol = this.names[i % this.symbols]!;
    u.exchSeq = Math.floor(i / this.symbols) + 1;
    u.recvMonoNs = 0;
    u.recvWallUs = 0;
    const c = u.changes[0]!;
    c.side = this.sides[i] === 0 ? 'bid' : 'ask';
    c.price = this.prices[i]!;
    c.size = this.sizes[i]!;
    return u;
  }

  *[Symbol.iterator](): Iterator<FeedUpdate> {
    for (let i = 0; i < this.length; i++) yield this.at(i);
  }
}

/** The benchmark's updates (see BenchUpdates). */
export function makeUpdates(n: number, symbols: number): BenchUpdates {
  return new BenchUpdates(n, symbols);
}

/** What raw nats.js publishes: exactly the bytes DSM publishes for the same updates, and where. */
export interface RawPayloads {
  /** One view per message, all on one buffer (no backing store per message). */
  payloads: Uint8Array[];
  subjects: string[];
  /** The engine that encoded them: its books are the reference a subscriber's must equal. */
  engine: PublishEngine;
  /** symbol -> exchange sequence of its last update that produced a message. */
  lastExchSeq: Record<string, number>;
}

export function rawPayloads(updates: BenchUpdates, dataSuffix: string): RawPayloads {
  const engine = new PublishEngine({ epoch: 1, dataSuffix, snapshotDepth: 50_000 });
  const chunks: Uint8Array[] = [];
  const subjects: string[] = [];
  const lastExchSeq: Record<string, number> = {};
  let total = 0;
  for (const u of updates) {
    const out = engine.apply(u);
    if (!out) continue;
    chunks.push(out.payload);
    subjects.push(out.subject);
    lastExchSeq[u.symbol] = u.exchSeq;
    total += out.payload.length;
  }
  const all = new Uint8Array(total);
  const payloads = new Array<Uint8Array>(chunks.length);
  let at = 0;
  for (let i = 0; i < chunks.length; i++) {
    const c = chunks[i]!;
    all.set(c, at);
    payloads[i] = all.subarray(at, at + c.length);
    at += c.length;
  }
  return { payloads, subjects, engine, lastExchSeq };
}

/** Offer `count` items through `send`, `rate` per second in 1 ms ticks (rate 0: as fast as possible). */
export async function offer(count: number, rate: number, send: (i: number) => void, flush: () => void): Promise<void> {
  if (rate <= 0) {
    for (let i = 0; i < count; i++) {
      send(i);
      if (i % 512 === 511) { flush(); await new Promise((r) => setImmediate(r)); }
    }
    flush();
    return;
  }
  const start = performance.now();
  let i = 0;
  while (i < count) {
    const due = Math.min(count, Math.floor(((performance.now() - start) / 1000) * rate));
    for (; i < due; i++) send(i);
    flush();
    await sleep(1);
  }
}

/** The subscriber process: one per benchmark, reused by every run. */
class SubscriberProcess {
  private readonly child: ChildProcess;
  private waiters: Array<(m: FromSub) => void> = [];

  constructor() {
    this.child = fork(fileURLToPath(new URL('./pipeline-subscriber.ts', import.meta.url)), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (m: FromSub) => this.waiters.shift()?.(m));
  }

  ask(m: ToSub): Promise<FromSub> {
    return new Promise((resolve, reject) => {
      this.waiters.push(resolve);
      this.child.send(m, (err) => { if (err) reject(err); });
    });
  }

  async close(): Promise<void> {
    this.child.send({ cmd: 'exit' } satisfies ToSub);
    await new Promise((r) => { this.child.once('exit', r); setTimeout(r, 3000); });
    this.child.kill('SIGKILL');
  }
}

interface RunResult { msgsPerS: number; latency: Record<string, Percentiles>; books: Record<string, { bids: Array<[number, number]>; asks: Array<[number, number]> }>; received: number }

async function measure(sub: SubscriberProcess, mode: 'raw' | 'dsm', expected: number, publish: () => Promise<void>): Promise<RunResult> {
  await sub.ask({ cmd: 'start', mode, expected });
  await sleep(200); // interest propagates over the routes
  const t0 = monoNs();
  const collected = sub.ask({ cmd: 'collect' });
  await publish();
  const r = await collected;
  if (r.ev !== 'result') throw new Error('subscriber process answered out of turn');
  return { msgsPerS: (r.received * 1e9) / Math.max(1, r.lastNs - t0), latency: r.latency, books: r.books, received: r.received };
}

function rawRun(sub: SubscriberProcess, pub: NatsConnection, payloads: Uint8Array[], subjects: string[], rate: number): Promise<RunResult> {
  return measure(sub, 'raw', payloads.length, async () => {
    await offer(payloads.length, rate, (i) => {
      const p = payloads[i]!;
      stampPublishTime(p, monoNs());
      pub.publish(subjects[i]!, p);
    }, () => undefined);
    await pub.flush();
  });
}

async function dsmRun(sub: SubscriberProcess, cfg: DsmConfig, cluster: LocalCluster, updates: BenchUpdates, expected: number, rate: number, workers: number): Promise<RunResult & { ingestToPublish?: Percentiles }> {
  const ingest = new IngestService({ config: cfg, tlsDir: cluster.tlsDir, root: process.cwd(), pace: { mode: 'max' }, sources: [], workers, servers: [cluster.clientUrls[0]!], publisherId: `bench-${rate}` });
  await ingest.start();
  // route() stamps recvMonoNs on the update objects in place; the next run overwrites it (no copy per update, as the raw path makes none).
  const r = await measure(sub, 'dsm', expected, () => offer(updates.length, rate, (i) => ingest.route(updates.at(i)), () => ingest.flush()));
  const workerStats = await ingest.stop();
  const hop = workerStats.map((w) => w.ingestToPublish).filter((x) => x !== undefined).sort((a, b) => b.p50 - a.p50)[0];
  return { ...r, ingestToPublish: hop && { p50: hop.p50, p99: hop.p99, p999: hop.p999, max: hop.max } };
}

export async function runPipelineBench(opts: PipelineBenchOptions = {}): Promise<PipelineBenchResult> {
  const log = opts.log ?? (() => undefined);
  const messages = opts.messages ?? 100_000;
  const rate = opts.rate ?? 50_000;
  const symbols = opts.symbols ?? 50;
  const workers = opts.workers ?? 0;
  const cfg = await withFreeLoopbackPorts(loadConfig('local'));
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dsm-bench-'));
  const cluster = new LocalCluster(cfg, { dir });
  let bestRuns: { best: { raw: number; dsm: number }; rawLat: Percentiles; dsmLat: RunResult & { ingestToPublish?: Percentiles }; booksEqual: boolean };
  try {
    await cluster.start();
    const updates = makeUpdates(messages, symbols);
    // The raw baseline publishes exactly the bytes DSM would publish for these updates.
    const { payloads, subjects, engine } = rawPayloads(updates, 'orderbook');
    const payloadAvg = payloads.reduce((a, p) => a + p.length, 0) / payloads.length;
    const urls = cluster.clientUrls;
    const reference = JSON.stringify(Object.fromEntries(engine.dump().map((d) => [d.symbol, { bids: d.bids, asks: d.asks }]).sort(([a], [b]) => String(a).localeCompare(String(b)))));
    const booksMatch = (books: RunResult['books']) => JSON.stringify(Object.fromEntries(Object.entries(books).sort(([a], [b]) => a.localeCompare(b)))) === reference;
    const pub = await connectAs(cfg, 'ingest', { tlsDir: cluster.tlsDir, servers: [urls[0]!], name: 'bench-raw-pub' });
    const sub = new SubscriberProcess();
    try {
      await sub.ask({ cmd: 'init', config: cfg, tlsDir: cluster.tlsDir, server: urls[2]! });
      const best = { raw: 0, dsm: 0 };
      let rawLat: Percentiles | undefined;
      let dsmLat: (RunResult & { ingestToPublish?: Percentiles }) | undefined;
      let booksEqual = true;
      for (let round = 1; round <= 2; round++) {
        const r = await rawRun(sub, pub, payloads, subjects, 0);
        best.raw = Math.max(best.raw, r.msgsPerS);
        log(`round ${round} throughput: raw ${Math.round(r.msgsPerS)} msgs/s (${r.received} received)`);
        const d = await dsmRun(sub, cfg, cluster, updates, payloads.length, 0, workers);
        best.dsm = Math.max(best.dsm, d.msgsPerS);
        booksEqual &&= d.received === payloads.length && booksMatch(d.books);
        log(`round ${round} throughput: dsm ${Math.round(d.msgsPerS)} msgs/s (${d.received} received, books equal: ${booksMatch(d.books)})`);
      }
      for (let round = 1; round <= 2; round++) {
        const r = await rawRun(sub, pub, payloads, subjects, rate);
        if (!rawLat || r.latency.raw!.p50 < rawLat.p50) rawLat = r.latency.raw;
        const d = await dsmRun(sub, cfg, cluster, updates, payloads.length, rate, workers);
        booksEqual &&= booksMatch(d.books);
        if (!dsmLat || (d.latency.end_to_end?.p50 ?? Infinity) < (dsmLat.latency.end_to_end?.p50 ?? Infinity)) dsmLat = d;
        log(`round ${round} latency at ${rate}/s: raw p50 ${r.latency.raw?.p50} µs, dsm end-to-end p50 ${d.latency.end_to_end?.p50} µs`);
      }
      bestRuns = { best, rawLat: rawLat!, dsmLat: dsmLat!, booksEqual };
    } finally {
      await pub.close();
      await sub.close();
    }
    const { best, booksEqual } = bestRuns;
    const raw = bestRuns.rawLat;
    const zero = { p50: 0, p99: 0, p999: 0, max: 0 };
    const dsm = { e2e: bestRuns.dsmLat.latency.end_to_end ?? zero, hop1: bestRuns.dsmLat.ingestToPublish ?? zero, hop2: bestRuns.dsmLat.latency.publish_to_subscriber ?? zero };
    const ratio = Math.round((best.dsm / best.raw) * 1000) / 1000;
    const p50Delta = dsm.e2e.p50 - raw.p50;
    const p99Delta = dsm.e2e.p99 - raw.p99;
    return {
      machine: { cpus: os.cpus().length, node: process.version },
      messages, symbols, payload_bytes_avg: Math.round(payloadAvg), offered_rate: rate, workers,
      raw_msgs_per_s: Math.round(best.raw), dsm_msgs_per_s: Math.round(best.dsm), throughput_ratio: ratio,
      raw_latency_us: raw, dsm_e2e_latency_us: dsm.e2e, dsm_ingest_to_publish_us: dsm.hop1, dsm_publish_to_subscriber_us: dsm.hop2,
      p50_delta_us: p50Delta, p99_delta_us: p99Delta,
      targets: { throughput_ratio_min: 0.8, p50_within_us: 25, p99_within_us: 250, met: ratio >= 0.8 && p50Delta <= 25 && p99Delta <= 250 },
      books_equal: booksEqual,
    };
  } finally {
    await cluster.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

export function formatPipelineBench(r: PipelineBenchResult): string {
  const row = (name: string, p: Percentiles) => `  ${name.padEnd(28)} p50 ${String(p.p50).padStart(6)}  p99 ${String(p.p99).padStart(7)}  p99.9 ${String(p.p999).padStart(7)}  max ${String(p.max).padStart(8)}`;
  return [
    `pipeline benchmark: ${r.messages} messages over ${r.symbols} books, ${r.payload_bytes_avg} B average payload, 3-node mTLS cluster, publisher on node 1, subscriber on node 3 (${r.machine.cpus} CPUs, node ${r.machine.node}, ingest workers ${r.workers === 0 ? 'inline' : r.workers})`,
    '',
    `throughput (best of 2, as fast as offered)`,
    `  raw nats.js        ${r.raw_msgs_per_s.toLocaleString('en-US')} msgs/s`,
    `  DSM pipeline       ${r.dsm_msgs_per_s.toLocaleString('en-US')} msgs/s`,
    `  ratio              ${r.throughput_ratio}x (target >= ${r.targets.throughput_ratio_min}x)`,
    '',
    `latency at ${r.offered_rate.toLocaleString('en-US')} msgs/s offered (µs)`,
    row('raw publish -> subscriber', r.raw_latency_us),
    row('DSM ingest -> publish', r.dsm_ingest_to_publish_us),
    row('DSM publish -> subscriber', r.dsm_publish_to_subscriber_us),
    row('DSM end to end', r.dsm_e2e_latency_us),
    `  end-to-end vs raw: p50 +${r.p50_delta_us} µs (target <= 25), p99 +${r.p99_delta_us} µs (target <= 250)`,
    '',
    `subscriber books equal a reference book: ${r.books_equal}; targets ${r.targets.met ? 'met' : 'missed'}`,
  ].join('\n');
}
