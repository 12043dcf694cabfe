/**
 * `dsm bench recorded`: a recorded venue session (a generated Binance capture: REST depth
 * snapshots + diff-depth frames, in the capture format `dsm record` writes) through the ingest
 * with worker threads, two ways in the same run, alternating:
 *  - `ingest-thread` (the former shape, `keepBooksOnIngestThread`): the venue sync runs on the
 *    ingest thread with its own book and each change is posted to the owning worker, which applies
 *    it again to a second book and publishes;
 *  - `worker` (issue 13): the ingest thread only decodes; each decoded input is posted to the
 *    worker that owns the symbol, whose venue keeper applies it to the one book it publishes.
 * Reports throughput (replayed as fast as possible, timed to the last publish) and the
 * ingest -> publish hop (from the moment the decoded frame is routed to publish; HDR per worker,
 * the worse worker) with the recording paced at a fixed rate.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, validateConfig } from '../config/load.js';
import type { DsmConfig } from '../config/schema.js';
import { CaptureWriter } from '../services/feeds/capture/writer.js';
import { IngestService } from '../services/ingest/service.js';
import type { HopSummary } from '../services/metrics/latency.js';
import { LocalCluster } from '../services/nats/local-cluster.js';
import { withFreeLoopbackPorts } from '../services/nats/ports.js';
import { PeerBook } from '../test/harness/venue-peers.js';
import { bestFeedRun, feedBenchMachine, type FeedBenchSummary, type FeedBest, type FeedRun } from './venue-feed.js';

export type RecordedShape = 'ingest-thread' | 'worker';

export interface RecordedBenchResult extends FeedBenchSummary {
  runs: Array<FeedRun & { shape: RecordedShape }>;
  best: Record<RecordedShape, FeedBest>;
}

/** A Binance capture pair of `n` changes over `symbols`, one frame every `1 / rate` s of recorded time. */
async function writeCapture(dir: string, name: string, symbols: string[], n: number, rate: number): Promise<{ ws: string; rest: string }> {
  const ws = new CaptureWriter(path.join(dir, `${name}.ws.txt`));
  const rest = new CaptureWriter(path.join(dir, `${name}.rest.txt`));
  const t0 = 1_700_000_000_000_000;
  ws.write({ kind: 'open', url: 'wss://stream.binance.com:9443/stream', wallUs: t0 });
  const books = symbols.map((s, i) => ({ symbol: s, book: new PeerBook(8, 8, 31 + i), id: 1000 }));
  for (const b of books) {
    const body = JSON.stringify({ lastUpdateId: b.id, bids: b.book.levels('bid'), asks: b.book.levels('ask') });
    rest.write({ kind: 'rest', url: `https://api.binance.com/api/v3/depth?symbol=${b.symbol}&limit=1000`, wallUs: t0, body });
  }
  const stepUs = 1e6 / rate;
  for (let i = 0; i < n; i++) {
    const b = books[i % books.length]!;
    const c = b.book.randomChange();
    b.book.apply(c.side, c.price, c.size);
    const first = ++b.id;
    const frame = JSON.stringify({ stream: `${b.symbol.toLowerCase()}@depth@100ms`, data: { e: 'depthUpdate', E: 0, s: b.symbol, U: first, u: b.id, b: c.side === 'bid' ? [[c.price, c.size]] : [], a: c.side === 'ask' ? [[c.price, c.size]] : [] } });
    ws.write({ kind: 'recv', wallUs: Math.round(t0 + 1000 + i * stepUs), frame });
  }
  await Promise.all([ws.close(), rest.close()]);
  return { ws: ws.path, rest: rest.path };
}

type Run = RecordedBenchResult['runs'][number];

async function oneRun(cfg: DsmConfig, tlsDir: string, servers: string[], symbols: string[], files: { ws: string; rest: string }, shape: RecordedShape, kind: 'throughput' | 'latency', workers: number): Promise<Run> {
  const exchanges = cfg.exchanges.map((ex) => (ex.name === 'BINANCE' ? { name: 'BINANCE', symbols, feed: { kind: 'binance-capture' as const, ws: files.ws, rest: files.rest } } : ex));
  const config = validateConfig({ ...cfg, exchanges }, 'bench');
  const ingest = new IngestService({
    config, tlsDir, root: process.cwd(), pace: kind === 'throughput' ? { mode: 'max' } : { mode: 'recorded' }, workers, servers, exchanges: ['BINANCE'],
    publisherId: `bench-${shape}`, keepBooksOnIngestThread: shape === 'ingest-thread',
  });
  await ingest.start();
  const t0 = performance.now();
  // run() resolves once every worker has answered a report sent after the last input, so by
  // then everything was applied and handed to the NATS client.
  await ingest.run();
  const elapsedMs = Math.max(1, performance.now() - t0);
  const stats = await ingest.stop();
  const count = stats.reduce((a, w) => a + w.published, 0);
  const hop = stats.map((w) => w.ingestToPublish).filter((x): x is HopSummary => x !== undefined && x.count > 0).sort((a, b) => b.p50 - a.p50)[0];
  return { shape, kind, published: count, ...(kind === 'throughput' ? { msgs_per_s: Math.round((count * 1000) / elapsedMs) } : { ingest_to_publish_us: hop }) };
}

export async function runRecordedBench(opts: { symbols?: number; workers?: number; messages?: number; latencyMessages?: number; rate?: number; rounds?: number; log?: (l: string) => void } = {}): Promise<RecordedBenchResult> {
  const log = opts.log ?? (() => undefined);
  const symbols = Array.from({ length: opts.symbols ?? 8 }, (_, i) => `SYM${i}USDT`);
  const workers = opts.workers ?? 2;
  const n = opts.messages ?? 100_000;
  const ln = opts.latencyMessages ?? 20_000;
  const rate = opts.rate ?? 5_000;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dsm-recorded-bench-'));
  const runs: RecordedBenchResult['runs'] = [];
  const cfg = validateConfig(await withFreeLoopbackPorts(loadConfig('local')), 'bench');
  const cluster = new LocalCluster(cfg, { dir: path.join(dir, 'cluster') });
  try {
    const fast = await writeCapture(dir, 'throughput', symbols, n, 1_000_000);
    const paced = await writeCapture(dir, 'latency', symbols, ln, rate);
    await cluster.start();
    const servers = [cluster.clientUrls[0]!];
    for (let round = 1; round <= (opts.rounds ?? 2); round++) {
      for (const shape of (round % 2 ? ['ingest-thread', 'worker'] : ['worker', 'ingest-thread']) as RecordedShape[]) {
        const t = await oneRun(cfg, cluster.tlsDir, servers, symbols, fast, shape, 'throughput', workers);
        runs.push(t);
        log(`round ${round} ${shape} throughput: ${t.msgs_per_s} msgs/s (${t.published} published)`);
        const l = await oneRun(cfg, cluster.tlsDir, servers, symbols, paced, shape, 'latency', workers);
        runs.push(l);
        log(`round ${round} ${shape} at ${rate}/s: ingest->publish p50 ${l.ingest_to_publish_us?.p50} p99 ${l.ingest_to_publish_us?.p99} µs (${l.published} published)`);
      }
    }
  } finally {
    await cluster.stop(3000);
    await rm(dir, { recursive: true, force: true });
  }
  return {
    machine: feedBenchMachine(),
    symbols: symbols.length, workers, throughput_messages: n, latency_messages: ln, offered_rate: rate, runs,
    best: { 'ingest-thread': bestFeedRun(runs, (r) => r.shape === 'ingest-thread'), worker: bestFeedRun(runs, (r) => r.shape === 'worker') },
  };
}
