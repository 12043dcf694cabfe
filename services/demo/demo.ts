/**
 * `make demo`: the whole job on one machine, laid out as in production. A real 3-node mTLS
 * cluster on loopback; the ingest (this process) replaying the bundled recordings through the
 * real feed adapters; two subscribers in their own processes, started as the subscriber hosts'
 * unit starts them (`dsm subscribe`; exact subjects on one node, wildcards on another); the
 * metrics agent and live dashboard in another process (`dsm dashboard --local`). At the end each
 * subscriber's books are compared with the ingest's, the configured latency thresholds are
 * checked, and demo-report.{json,md} plus a latency picture (demo-latency.svg) are written.
 * The temporary directory holding the cluster's private keys is removed on every exit path
 * (normal, error, Ctrl-C/SIGTERM via the exit hook); only SIGKILL can leave it behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
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
import { metricsWildcard } from '../metrics/summary-publisher.js';
import { ServiceSummarySchema } from '../metrics/latency.js';
import { connectAs } from '../nats/connect.js';
import { LocalCluster } from '../nats/local-cluster.js';
import { withFreeLoopbackPorts } from '../nats/ports.js';
import { compareBooks, subjectMatches, type MirrorLookup } from '../pipeline/compare.js';
import { latencySvg } from './latency-svg.js';
import { reportMarkdown, type DemoReport, type SubscriberReport } from './report.js';
import { checkThresholds } from './thresholds.js';
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
  onReady?: (ctx: { config: DsmConfig; cluster: LocalCluster; configFile: string; dir: string }) => Promise<(() => Promise<void>) | void>;
}

/** The `dsm` entry, so child processes run the same CLI an operator (or a systemd unit) runs. */
export const DSM_ENTRY = path.join(import.meta.dirname, '..', '..', 'cli', 'bin', 'dsm.js');

interface SubscriberProcess {
  name: string;
  node: string;
  subjects: string[];
  child: ChildProcess;
  reportFile: string;
  stderr: string;
}

/** Start `dsm subscribe` in its own process and wait until its subscriptions are live. */
async function startSubscriberProcess(p: { name: string; node: string; subjects: string[]; args: string[]; reportFile: string; root: string; track: (c: ChildProcess) => void }): Promise<SubscriberProcess> {
  const child = spawn(process.execPath, [DSM_ENTRY, 'subscribe', ...p.args, '--report', p.reportFile, '--summary-service', `demo-${p.name}`, '--summary-interval', '1000'], {
    cwd: p.root, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, DSM_LOG_FORMAT: 'json', DSM_LOG_LEVEL: 'warn' },
  });
  // Tracked from the moment it exists, so an interrupt while it starts still stops it.
  p.track(child);
  const sp: SubscriberProcess = { name: p.name, node: p.node, subjects: p.subjects, child, reportFile: p.reportFile, stderr: '' };
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`subscriber ${p.name} not live after 30 s: ${sp.stderr.trim().split('\n').at(-1) ?? ''}`)), 30_000);
    child.stderr!.on('data', (d: Buffer) => {
      if (sp.stderr.length < 64_000) sp.stderr += d.toString();
      if (/^subscribed: /m.test(sp.stderr)) { clearTimeout(timer); resolve(); }
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`subscriber ${p.name} exited ${code}: ${sp.stderr.trim().split('\n').filter((l) => l.startsWith('dsm:')).join(' ') || sp.stderr.trim().split('\n').at(-1)}`)); });
  });
  return sp;
}

interface SubscriberDump {
  settled: boolean;
  counters: { received: number; slowConsumer: number };
  totals: { applied: number; mirrors: number; gaps: number; resyncs: number; duplicates: number; malformed: number };
  latency: { publish_to_subscriber?: HopSummary; end_to_end?: HopSummary };
  books: Array<{ exchange: string; symbol: string; seq: number; bids: Array<[number, number]>; asks: Array<[number, number]> }>;
}

function lookupOf(d: SubscriberDump): MirrorLookup {
  const by = new Map(d.books.map((b) => [`${b.exchange}\u0000${b.symbol}`, b]));
  return { get: (ex, sym) => { const b = by.get(`${ex}\u0000${sym}`); return b && { lastSeq: b.seq, book: { snapshot: () => ({ bids: b.bids, asks: b.asks }) } }; } };
}

/** SIGTERM, wait for the report (books settle first), SIGKILL if it hangs. */
async function stopSubscriberProcess(sp: SubscriberProcess, timeoutMs = 30_000): Promise<SubscriberDump | undefined> {
  if (sp.child.exitCode === null && sp.child.signalCode === null) {
    const exited = new Promise((r) => sp.child.once('exit', r));
    sp.child.kill('SIGTERM');
    const t = setTimeout(() => sp.child.kill('SIGKILL'), timeoutMs);
    await exited;
    clearTimeout(t);
  }
  if (!existsSync(sp.reportFile)) return undefined;
  return JSON.parse(readFileSync(sp.reportFile, 'utf8')) as SubscriberDump;
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
  const children: ChildProcess[] = [];
  // Ctrl-C/SIGTERM end this process through process.exit (LocalCluster's hook): no finally runs
  // then, so the keys' directory and the child processes are also cleaned up synchronously here.
  const onExit = () => {
    for (const c of children) { try { c.kill('SIGKILL'); } catch { /* gone */ } }
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', onExit);
  const cluster = new LocalCluster(config, { dir });
  const cleanup: Array<() => Promise<void>> = [async () => { await cluster.stop(); await rm(dir, { recursive: true, force: true }); process.off('exit', onExit); }];
  try {
    log.info({ dir }, 'starting 3-node mTLS cluster');
    await cluster.start();
    const urls = cluster.clientUrls;
    // The children read the same resolved config (free ports included) from a file, as --config.
    const configFile = path.join(dir, 'demo-config.json');
    await writeFile(configFile, JSON.stringify(config), { mode: 0o600 });
    const recorded = config.exchanges.filter(isRecorded);
    const exact = recorded.flatMap((ex) => ex.symbols.map((s) => dataSubject(ex.name, s, config.subjects.dataSuffix)));
    const wildcards = recorded.map((ex) => `${ex.name}.*.${config.subjects.dataSuffix}`);
    const common = (url: string) => ['--config', configFile, '--tls-dir', cluster.tlsDir, '--servers', url, '--identity', 'subscriber'];
    const subscribers: SubscriberProcess[] = [];
    cleanup.unshift(async () => { for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL'); });
    for (const spec of [
      { name: 'exact', node: 'nats-2', subjects: exact, args: [...recorded.flatMap((ex) => ex.symbols.flatMap((s) => ['--symbol', `${ex.name}:${s}`])), ...common(urls[1]!)] },
      { name: 'wildcard', node: 'nats-3', subjects: wildcards, args: [...wildcards, ...common(urls[2]!)] },
    ]) {
      const sp = await startSubscriberProcess({ ...spec, reportFile: path.join(dir, `subscriber-${spec.name}.json`), root: opts.root, track: (c) => children.push(c) });
      subscribers.push(sp);
    }

    // The subscribers' own summaries (as the metrics agent hears them) feed the live view.
    const ops = await connectAs(config, 'ops', { tlsDir: cluster.tlsDir, servers: [urls[0]!], name: 'demo-view' });
    cleanup.unshift(async () => { await ops.drain().catch(() => undefined); });
    // Each summary covers its interval: the latest one per subscriber gives the live percentiles,
    // and their counts add up to what the subscribers received so far.
    const heard = new Map<string, { publish_to_subscriber?: HopSummary; end_to_end?: HopSummary }>();
    let receivedSoFar = 0;
    ops.subscribe(metricsWildcard(config), { callback: (err, m) => {
      if (err) return;
      try {
        const s = ServiceSummarySchema.parse(JSON.parse(new TextDecoder().decode(m.data)));
        if (s.service.startsWith('demo-')) {
          heard.set(s.service, s.hops);
          receivedSoFar += s.hops.end_to_end?.count ?? 0;
        }
      } catch { /* not a summary: ignored */ }
    } });

    const ingest = new IngestService({ config, tlsDir: cluster.tlsDir, root: opts.root, pace: opts.pace, exchanges: recorded.map((e) => e.name), servers: [urls[0]!] });
    await ingest.start();
    cleanup.unshift(async () => { await ingest.stop(); });
    const layout = [
      `ingest: this process (pid ${process.pid}), ${ingest.workerCount} worker thread(s), publishing to nats-1`,
      ...subscribers.map((s) => `subscriber "${s.name}": own process (pid ${s.child.pid}, \`dsm subscribe\` as the subscriber hosts' unit runs it) on ${s.node}`),
      'nats-server ×3: own processes, mTLS on clients and routes',
    ];
    try {
      const stopExtra = await opts.onReady?.({ config, cluster, configFile, dir });
      if (stopExtra) { cleanup.unshift(stopExtra); layout.push('metrics agent + live dashboard: own process (`dsm dashboard --local`)'); }
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'live dashboard not started; the demo goes on without it');
    }

    // Live view.
    const view = new TerminalView();
    const done = new Set<string>();
    let last = { t: performance.now(), published: 0, received: 0 };
    const published = () => ingest.workerStats().reduce((a, w) => a + w.published, 0);
    const received = () => receivedSoFar;
    const draw = () => {
      const now = performance.now();
      const p = published();
      const r = received();
      const dt = (now - last.t) / 1000;
      view.draw({
        elapsedS: (now - t0) / 1000, pace: opts.paceText,
        sources: ingest.sources.map((s) => ({ exchange: s.stats.exchange, inputs: s.stats.inputs, updates: s.stats.updates, done: done.has(s.stats.source) })),
        publishedPerS: dt > 0 ? (p - last.published) / dt : 0, receivedPerS: dt > 0 ? (r - last.received) / dt : 0, published: p, received: r,
        hops: { ingest_to_publish: worstHop(ingest.workerStats().map((w) => w.ingestToPublish)), publish_to_subscriber: worstHop([...heard.values()].map((h) => h.publish_to_subscriber)), end_to_end: worstHop([...heard.values()].map((h) => h.end_to_end)) },
        tops: [], gaps: 0, resyncs: 0,
      });
      last = { t: now, published: p, received: r };
    };
    const timer = opts.view === false ? undefined : setInterval(draw, 500);
    const sourceStats = await ingest.run();
    for (const s of ingest.sources) done.add(s.stats.source);

    // Let the last updates land; each subscriber settles its books and writes them on SIGTERM.
    await new Promise((r) => setTimeout(r, 600));
    const dumps = await ingest.dump();
    if (timer) { draw(); clearInterval(timer); }
    if (opts.follow) {
      process.stderr.write('\n--follow: cluster, ingest and subscribers keep running; Ctrl-C to stop.\n');
      const follow = setInterval(draw, 500);
      await new Promise<void>((resolve) => { process.once('SIGINT', () => resolve()); process.once('SIGTERM', () => resolve()); });
      clearInterval(follow);
    }
    const results = await Promise.all(subscribers.map((s) => stopSubscriberProcess(s)));
    const subReports: SubscriberReport[] = subscribers.map((s, i) => {
      const d = results[i];
      if (!d) {
        return { name: s.name, subjects: s.subjects, node: s.node, received: 0, applied: 0, books: 0, books_compared: 0, book_mismatches: 1, mismatches: [{ exchange: '*', symbol: '*', reason: `no report from the subscriber process (exit ${s.child.exitCode ?? s.child.signalCode}): ${s.stderr.trim().split('\n').at(-1) ?? ''}` }], gaps: 0, resyncs: 0, duplicates_dropped: 0, malformed: 0, slow_consumer: 0 };
      }
      const cmp = compareBooks(dumps, lookupOf(d), (ex, sym) => s.subjects.some((p) => subjectMatches(p, dataSubject(ex, sym, config.subjects.dataSuffix))));
      if (!d.settled) cmp.mismatches.push({ exchange: '*', symbol: '*', reason: 'subscriber did not settle (books still awaiting snapshots)' });
      return {
        name: s.name, subjects: s.subjects, node: s.node, received: d.counters.received, applied: d.totals.applied, books: d.totals.mirrors,
        books_compared: cmp.compared, book_mismatches: cmp.mismatches.length, mismatches: cmp.mismatches.slice(0, 10),
        gaps: d.totals.gaps, resyncs: d.totals.resyncs, duplicates_dropped: d.totals.duplicates, malformed: d.totals.malformed, slow_consumer: d.counters.slowConsumer,
      };
    });
    const workerStats = ingest.workerStats();
    const latencyUs = {
      ingest_to_publish: worstHop(workerStats.map((w) => w.ingestToPublish)),
      publish_to_subscriber: worstHop(results.map((d) => d?.latency.publish_to_subscriber)),
      end_to_end: worstHop(results.map((d) => d?.latency.end_to_end)),
    };
    const durationS = (performance.now() - t0) / 1000;
    const thresholds = checkThresholds(config, { endToEnd: latencyUs.end_to_end, slowConsumers: subReports.reduce((a, s) => a + s.slow_consumer, 0), durationS });
    const picture = 'demo-latency.svg';
    await writeFile(path.join(opts.reportDir, picture), latencySvg({
      hops: [{ name: 'ingest → publish', summary: latencyUs.ingest_to_publish }, { name: 'publish → subscriber', summary: latencyUs.publish_to_subscriber }, { name: 'end to end', summary: latencyUs.end_to_end }],
      thresholds: [{ label: 'e2e p99 limit', micros: config.thresholds.e2eP99Micros }],
    }));
    const report: DemoReport = {
      ok: subReports.every((s) => s.book_mismatches === 0 && s.books_compared > 0),
      latency_ok: thresholds.every((t) => t.met),
      thresholds,
      layout,
      latency_picture: picture,
      started_at: startedAt.toISOString(),
      duration_s: durationS,
      pace: opts.paceText,
      cluster: { name: config.nats.clusterName, nodes: config.nats.nodes, tls: 'mTLS (clients and routes)' },
      events: sourceStats.reduce((a, s) => a + s.inputs, 0),
      published: workerStats.reduce((a, w) => a + w.published, 0),
      received: subReports.reduce((a, s) => a + s.received, 0),
      book_mismatches: subReports.reduce((a, s) => a + s.book_mismatches, 0),
      books: dumps.length,
      latency_us: latencyUs,
      sources: sourceStats,
      subscribers: subReports,
      notes: [
        ...sourceStats.flatMap((s) => s.notes),
        'ingest → publish is the worst of the ingest workers\' own histograms; the other hops are the worst of the two subscriber processes\' histograms (CLOCK_MONOTONIC is shared by every process on the host).',
        'Every process here shares this machine\'s cores with three nats-servers; on AWS each role has its own host (and pinned cores), so these figures are an upper bound on the production shape.',
        'The first message each subscriber receives for a book is either sequence 1 or triggers a snapshot request (late join).',
      ],
    };
    await writeFile(path.join(opts.reportDir, 'demo-report.json'), `${JSON.stringify(report, null, 2)}\n`);
    await writeFile(path.join(opts.reportDir, 'demo-report.md'), reportMarkdown(report));
    return report;
  } finally {
    for (const c of cleanup) await c().catch((e: Error) => log.warn({ err: e.message }, 'cleanup step failed'));
  }
}
