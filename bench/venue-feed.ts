/**
 * `dsm bench feed`: a live venue feed (Binance protocol, local peer in its own process) through
 * the ingest with worker threads, two ways in the same run, alternating:
 *  - `main`  (feedsInShards false, the former shape): the venue sync runs on the ingest thread,
 *    keeps its book, and each update is posted to the owning worker, which applies it to a
 *    second book and publishes;
 *  - `owned` (feedsInShards true): the feed runs in the worker that owns its symbols and the
 *    sync's book is the published book (one book, applied once, no thread hand-off).
 * Reports the ingest -> publish hop (from the sync's output to publish; HDR, per worker, the
 * worst p50 worker) at a fixed offered rate, and throughput (peer blasting as fast as it can).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, validateConfig } from '../config/load.js';
import type { DsmConfig } from '../config/schema.js';
import { IngestService } from '../services/ingest/service.js';
import type { HopSummary } from '../services/metrics/latency.js';
import { LocalCluster } from '../services/nats/local-cluster.js';
import { withFreeLoopbackPorts } from '../services/nats/ports.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
type Mode = 'main' | 'owned';

/** One run of a feed benchmark (this one and `dsm bench recorded`). */
export interface FeedRun { kind: 'throughput' | 'latency'; published: number; msgs_per_s?: number; ingest_to_publish_us?: HopSummary }
export interface FeedBest { msgs_per_s: number; ingest_to_publish_us?: HopSummary }

/** What a feed benchmark reports besides its runs and its per-variant best. */
export interface FeedBenchSummary {
  machine: { cpus: number; node: string; loadavg: number[] };
  symbols: number; workers: number; throughput_messages: number; latency_messages: number; offered_rate: number;
}

/** One variant's best: the highest throughput, and the latency run with the lowest ingest->publish p50. */
export function bestFeedRun<R extends FeedRun>(runs: readonly R[], ofVariant: (r: R) => boolean): FeedBest {
  const mine = runs.filter(ofVariant);
  return {
    msgs_per_s: Math.max(...mine.filter((r) => r.kind === 'throughput').map((r) => r.msgs_per_s ?? 0)),
    ingest_to_publish_us: mine.filter((r) => r.kind === 'latency' && r.ingest_to_publish_us).map((r) => r.ingest_to_publish_us!).sort((x, y) => x.p50 - y.p50)[0],
  };
}

export function feedBenchMachine(): FeedBenchSummary['machine'] {
  return { cpus: os.cpus().length, node: process.version, loadavg: os.loadavg().map((x) => Math.round(x * 100) / 100) };
}

export interface FeedBenchResult extends FeedBenchSummary {
  runs: Array<FeedRun & { mode: Mode }>;
  best: Record<Mode, FeedBest>;
}

class Peer {
  private readonly child: ChildProcess;
  private waiters: Array<(m: { ev: string; port?: number }) => void> = [];
  constructor(readonly symbols: string[]) {
    this.child = fork(fileURLToPath(new URL('./venue-peer.ts', import.meta.url)), symbols, { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (m: { ev: string }) => this.waiters.shift()?.(m));
  }
  next(): Promise<{ ev: string; port?: number }> { return new Promise((r) => this.waiters.push(r)); }
  async blast(n: number, rate: number): Promise<void> { const done = this.next(); this.child.send({ cmd: 'blast', n, rate }); await done; }
  close(): void { this.child.send({ cmd: 'exit' }); }
}

function published(ingest: IngestService): number {
  return ingest.workerStats().reduce((a, w) => a + w.published, 0);
}

/**
 * Wait until `target` messages are published (a random change can leave a level as it was, so a
 * few fewer may ever come), or the count stops moving for `quietMs`; returns it and when it last moved.
 */
async function settle(ingest: IngestService, quietMs: number, target = Infinity): Promise<{ count: number; lastMoveMs: number }> {
  let count = published(ingest);
  let lastMoveMs = performance.now();
  while (count < target && performance.now() - lastMoveMs < quietMs) {
    await sleep(20);
    const c = published(ingest);
    if (c !== count) { count = c; lastMoveMs = performance.now(); }
  }
  return { count, lastMoveMs };
}

type Run = FeedBenchResult['runs'][number];

async function oneRun(cfg: DsmConfig, tlsDir: string, servers: string[], peer: Peer, mode: Mode, kind: 'throughput' | 'latency', n: number, rate: number, workers: number): Promise<Run> {
  const config = validateConfig({ ...cfg, ingest: { ...cfg.ingest, feedsInShards: mode === 'owned' } }, 'bench');
  const ingest = new IngestService({ config, tlsDir, root: process.cwd(), pace: { mode: 'max' }, workers, exchanges: ['BINANCE'], servers, publisherId: `bench-${mode}` });
  await ingest.start();
  const running = ingest.run();
  // Every symbol snapshotted from REST (one message each) before the clock starts.
  for (let i = 0; i < 500 && published(ingest) < peer.symbols.length; i++) await sleep(20);
  const before = (await settle(ingest, 300)).count;
  const t0 = performance.now();
  await peer.blast(n, rate);
  const end = await settle(ingest, 5000, before + Math.floor(n * 0.995));
  const stats = await ingest.stop();
  await running;
  const count = end.count - before;
  const hop = stats.map((w) => w.ingestToPublish).filter((x): x is HopSummary => x !== undefined && x.count > 0).sort((a, b) => b.p50 - a.p50)[0];
  return { mode, kind, published: count, ...(kind === 'throughput' ? { msgs_per_s: Math.round((count * 1000) / Math.max(1, end.lastMoveMs - t0)) } : { ingest_to_publish_us: hop }) };
}

export async function runFeedBench(opts: { symbols?: number; workers?: number; messages?: number; latencyMessages?: number; rate?: number; rounds?: number; log?: (l: string) => void } = {}): Promise<FeedBenchResult> {
  const log = opts.log ?? (() => undefined);
  const symbols = Array.from({ length: opts.symbols ?? 8 }, (_, i) => `SYM${i}USDT`);
  const workers = opts.workers ?? 2;
  const n = opts.messages ?? 100_000;
  const ln = opts.latencyMessages ?? 50_000;
  const rate = opts.rate ?? 10_000;
  const peer = new Peer(symbols);
  const { port } = await peer.next();
  const base = await withFreeLoopbackPorts(loadConfig('local'));
  const cfg = validateConfig({ ...base, exchanges: base.exchanges.map((ex) => (ex.name === 'BINANCE' ? { name: 'BINANCE', symbols, feed: { kind: 'binance-ws' as const, url: `ws://127.0.0.1:${port}`, restUrl: `http://127.0.0.1:${port}` } } : ex)) }, 'bench');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dsm-feed-bench-'));
  const cluster = new LocalCluster(cfg, { dir });
  const runs: FeedBenchResult['runs'] = [];
  try {
    await cluster.start();
    const servers = [cluster.clientUrls[0]!];
    for (let round = 1; round <= (opts.rounds ?? 2); round++) {
      for (const mode of (round % 2 ? ['main', 'owned'] : ['owned', 'main']) as Mode[]) {
        const t = await oneRun(cfg, cluster.tlsDir, servers, peer, mode, 'throughput', n, 0, workers);
        runs.push(t);
        log(`round ${round} ${mode} throughput: ${t.msgs_per_s} msgs/s (${t.published} published)`);
        const l = await oneRun(cfg, cluster.tlsDir, servers, peer, mode, 'latency', ln, rate, workers);
        runs.push(l);
        log(`round ${round} ${mode} at ${rate}/s: ingest->publish p50 ${l.ingest_to_publish_us?.p50} p99 ${l.ingest_to_publish_us?.p99} µs (${l.published} published)`);
      }
    }
  } finally {
    peer.close();
    await cluster.stop(3000);
    await rm(dir, { recursive: true, force: true });
  }
  return {
    machine: feedBenchMachine(),
    symbols: symbols.length, workers, throughput_messages: n, latency_messages: ln, offered_rate: rate, runs,
    best: { main: bestFeedRun(runs, (r) => r.mode === 'main'), owned: bestFeedRun(runs, (r) => r.mode === 'owned') },
  };
}
