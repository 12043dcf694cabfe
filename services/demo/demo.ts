/**
 * `make demo`: the whole job on one machine. A real 3-node mTLS cluster on loopback, the ingest
 * replaying the bundled recordings through the real feed adapters, two subscribers (exact
 * subjects on one node, wildcards on another), a live view, and at the end a check that every
 * subscriber's books equal the ingest's, written to demo-report.json and demo-report.md.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { DsmConfig } from '../../config/schema.js';
import { childLogger } from '../common/log.js';
import { IngestService } from '../ingest/service.js';
import { isRecorded } from '../ingest/sources/index.js';
import type { Pace } from '../ingest/sources/pacing.js';
import { dataSubject } from '../marketdata/subject.js';
import { LatencyRecorder, type HopSummary } from '../metrics/latency.js';
import { SummaryPublisher } from '../metrics/summary-publisher.js';
import { LocalCluster } from '../nats/local-cluster.js';
import { withFreeLoopbackPorts } from '../nats/ports.js';
import { compareBooks, subjectMatches } from '../pipeline/compare.js';
import { Subscriber } from '../subscriber/subscriber.js';
import { reportMarkdown, type DemoReport, type SubscriberReport } from './report.js';
import { TerminalView } from './view.js';

export interface DemoOptions {
  config: DsmConfig;
  pace: Pace;
  paceText: string;
  root: string;
  reportDir: string;
  follow?: boolean;
  /** Live view on stderr (default true). */
  view?: boolean;
  /** Called once the cluster and services are up (the local dashboard hooks in here). */
  onReady?: (ctx: { config: DsmConfig; cluster: LocalCluster }) => Promise<(() => Promise<void>) | void>;
}

const log = childLogger('demo');

/** Latency across workers: each worker keeps its own histogram; report the worst of them. */
function worstHop(hops: Array<HopSummary | undefined>): HopSummary | undefined {
  const hs = hops.filter((h): h is HopSummary => !!h && h.count > 0);
  if (!hs.length) return undefined;
  return { p50: Math.max(...hs.map((h) => h.p50)), p99: Math.max(...hs.map((h) => h.p99)), p999: Math.max(...hs.map((h) => h.p999)), max: Math.max(...hs.map((h) => h.max)), count: hs.reduce((a, h) => a + h.count, 0) };
}

export async function runDemo(opts: DemoOptions): Promise<DemoReport> {
  const startedAt = new Date();
  const t0 = performance.now();
  const config = await withFreeLoopbackPorts(opts.config);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dsm-demo-'));
  const cluster = new LocalCluster(config, { dir });
  const cleanup: Array<() => Promise<void>> = [async () => { await cluster.stop(); await rm(dir, { recursive: true, force: true }); }];
  try {
    log.info({ dir }, 'starting 3-node mTLS cluster');
    await cluster.start();
    const urls = cluster.clientUrls;
    const recorded = config.exchanges.filter(isRecorded);
    const exact = recorded.flatMap((ex) => ex.symbols.map((s) => dataSubject(ex.name, s, config.subjects.dataSuffix)));
    const wildcards = recorded.map((ex) => `${ex.name}.*.${config.subjects.dataSuffix}`);
    const latency = new LatencyRecorder();
    const subscribers = [
      { name: 'exact', node: 'nats-2', sub: new Subscriber({ config, tlsDir: cluster.tlsDir, subjects: exact, servers: [urls[1]!], latency, name: 'demo-exact' }) },
      { name: 'wildcard', node: 'nats-3', sub: new Subscriber({ config, tlsDir: cluster.tlsDir, subjects: wildcards, servers: [urls[2]!], latency, name: 'demo-wildcard' }) },
    ];
    for (const s of subscribers) {
      await s.sub.start();
      cleanup.unshift(() => s.sub.close());
    }
    const ingest = new IngestService({ config, tlsDir: cluster.tlsDir, root: opts.root, pace: opts.pace, exchanges: recorded.map((e) => e.name), servers: [urls[0]!] });
    await ingest.start();
    cleanup.unshift(async () => { await ingest.stop(); });
    // Subscriber latency goes out as service summaries, which the agent (and the live dashboard) read.
    const summaries = new SummaryPublisher(subscribers[0]!.sub.nc!, config, { service: 'demo-subscribers', latency, reset: false, intervalMs: 1000 }).start();
    cleanup.unshift(async () => summaries.stop());
    try {
      const stopExtra = await opts.onReady?.({ config, cluster });
      if (stopExtra) cleanup.unshift(stopExtra);
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'live dashboard not started; the demo goes on without it');
    }

    // Live view.
    const view = new TerminalView();
    const done = new Set<string>();
    let last = { t: performance.now(), published: 0, received: 0 };
    const published = () => ingest.workerStats().reduce((a, w) => a + w.published, 0);
    const received = () => subscribers.reduce((a, s) => a + s.sub.counters.received, 0);
    const tops = () => recorded.map((ex) => subscribers[1]!.sub.mirrors.get(ex.name, ex.symbols[0]!)).filter((m) => m !== undefined);
    const draw = () => {
      const now = performance.now();
      const p = published();
      const r = received();
      const dt = (now - last.t) / 1000;
      const totals = subscribers.map((s) => s.sub.mirrors.totals());
      view.draw({
        elapsedS: (now - t0) / 1000, pace: opts.paceText,
        sources: ingest.sources.map((s) => ({ exchange: s.stats.exchange, inputs: s.stats.inputs, updates: s.stats.updates, done: done.has(s.stats.source) })),
        publishedPerS: dt > 0 ? (p - last.published) / dt : 0, receivedPerS: dt > 0 ? (r - last.received) / dt : 0, published: p, received: r,
        hops: { ingest_to_publish: worstHop(ingest.workerStats().map((w) => w.ingestToPublish)), ...latency.summary() },
        tops: tops(), gaps: totals.reduce((a, t) => a + t.gaps, 0), resyncs: totals.reduce((a, t) => a + t.resyncs, 0),
      });
      last = { t: now, published: p, received: r };
    };
    const timer = opts.view === false ? undefined : setInterval(draw, 500);
    const sourceStats = await ingest.run();
    for (const s of ingest.sources) done.add(s.stats.source);

    // Let the last updates land, then compare every book.
    await new Promise((r) => setTimeout(r, 600));
    const settled = await Promise.all(subscribers.map((s) => s.sub.settle(15_000)));
    const dumps = await ingest.dump();
    await new Promise((r) => setTimeout(r, 300));
    if (timer) { draw(); clearInterval(timer); }
    const subReports: SubscriberReport[] = subscribers.map((s, i) => {
      const patterns = s.sub === subscribers[0]!.sub ? exact : wildcards;
      const cmp = compareBooks(dumps, s.sub.mirrors, (ex, sym) => patterns.some((p) => subjectMatches(p, dataSubject(ex, sym, config.subjects.dataSuffix))));
      const t = s.sub.mirrors.totals();
      if (!settled[i]) cmp.mismatches.push({ exchange: '*', symbol: '*', reason: 'subscriber did not settle (books still awaiting snapshots)' });
      return {
        name: s.name, subjects: patterns, node: s.node, received: s.sub.counters.received, applied: t.applied, books: t.mirrors,
        books_compared: cmp.compared, book_mismatches: cmp.mismatches.length, mismatches: cmp.mismatches.slice(0, 10),
        gaps: t.gaps, resyncs: t.resyncs, duplicates_dropped: t.duplicates, malformed: t.malformed, slow_consumer: s.sub.counters.slowConsumer,
      };
    });
    const workerStats = ingest.workerStats();
    const report: DemoReport = {
      ok: subReports.every((s) => s.book_mismatches === 0 && s.books_compared > 0),
      started_at: startedAt.toISOString(),
      duration_s: (performance.now() - t0) / 1000,
      pace: opts.paceText,
      cluster: { name: config.nats.clusterName, nodes: config.nats.nodes, tls: 'mTLS (clients and routes)' },
      events: sourceStats.reduce((a, s) => a + s.inputs, 0),
      published: workerStats.reduce((a, w) => a + w.published, 0),
      received: subReports.reduce((a, s) => a + s.received, 0),
      book_mismatches: subReports.reduce((a, s) => a + s.book_mismatches, 0),
      books: dumps.length,
      latency_us: { ingest_to_publish: worstHop(workerStats.map((w) => w.ingestToPublish)), ...latency.summary() },
      sources: sourceStats,
      subscribers: subReports,
      notes: [
        ...sourceStats.flatMap((s) => s.notes),
        'ingest → publish is the worst of the ingest workers\' own histograms; the other hops are measured by the subscribers.',
        'The first message each subscriber receives for a book is either sequence 1 or triggers a snapshot request (late join).',
      ],
    };
    await writeFile(path.join(opts.reportDir, 'demo-report.json'), `${JSON.stringify(report, null, 2)}\n`);
    await writeFile(path.join(opts.reportDir, 'demo-report.md'), reportMarkdown(report));

    if (opts.follow) {
      process.stderr.write('\n--follow: cluster, ingest and subscribers keep running; Ctrl-C to stop.\n');
      const follow = setInterval(draw, 500);
      await new Promise<void>((resolve) => { process.once('SIGINT', () => resolve()); process.once('SIGTERM', () => resolve()); });
      clearInterval(follow);
    }
    return report;
  } finally {
    for (const c of cleanup) await c().catch((e: Error) => log.warn({ err: e.message }, 'cleanup step failed'));
  }
}
