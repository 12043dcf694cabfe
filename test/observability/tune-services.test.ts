/**
 * The feedback loop closed over real services: a `dsm subscribe` process (started as its unit
 * starts it) and the ingest service, a metrics agent hearing their summaries, and the loop
 * publishing on `_DSM.tune.client`. A load change (light -> heavy bursts) makes the subscriber's
 * queue overflow; the loop raises the queue bound, the subscriber applies it and acknowledges,
 * and the overflows stop. The ingest applies and acknowledges its batch size the same way.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FeedUpdate } from '../../services/ingest/feed-update.js';
import { IngestService } from '../../services/ingest/service.js';
import { isRecorded, sourceFor } from '../../services/ingest/sources/index.js';
import { MetricsAgent, type AgentObservation } from '../../services/metrics/agent.js';
import { ServiceTuning } from '../../services/tune/apply.js';
import { AgentObservationSource, ControlSubjectApplier, TuningAcks } from '../../services/tune/local.js';
import { Tuner } from '../../services/tune/loop.js';
import { DSM_BIN } from '../harness/cli.js';
import { startTestCluster, type TestCluster } from '../harness/cluster.js';

const ROOT = path.join(import.meta.dirname, '..', '..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('tune loop with real services', () => {
  let tc: TestCluster;
  let dir: string;
  let child: ChildProcess | undefined;
  const out: string[] = [];
  const stops: Array<() => Promise<unknown>> = [];

  beforeAll(async () => {
    tc = await startTestCluster({
      patch: (c) => ({
        ...c,
        // A small queue bound to start from, and a loop that moves fast (test time, not production).
        client: { ...c.client, maxQueuedMessages: 100 },
        metrics: { ...c.metrics, scrapeIntervalSeconds: 1 },
        tune: { intervalSeconds: 1, cooldownSeconds: 1, maxStepPercent: 100, batchMessages: { min: 1, max: 1024 }, maxQueuedMessages: { min: 100, max: 50_000 }, burstSeconds: 1 },
      }),
    });
    dir = mkdtempSync(path.join(os.tmpdir(), 'dsm-tune-svc-'));
  }, 60_000);

  afterAll(async () => {
    child?.kill('SIGTERM');
    if (child && child.exitCode === null) await new Promise((r) => { child!.once('exit', r); setTimeout(r, 8000); });
    for (const s of stops.reverse()) await s().catch(() => undefined);
    await tc?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('a load change makes the loop raise the queue bound; the subscriber applies it and its overflows stop', async () => {
    const cfg = tc.config;
    const cfgFile = path.join(dir, 'env.json');
    writeFileSync(cfgFile, JSON.stringify(cfg));
    child = spawn(process.execPath, [DSM_BIN, 'subscribe', '--config', cfgFile, '--tls-dir', tc.tlsDir, '--member', 'tuned', '--summary-interval', '500'], { cwd: ROOT, env: { ...process.env, DSM_LOG_FORMAT: 'json' }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d: Buffer) => out.push(d.toString()));
    child.stderr!.on('data', (d: Buffer) => out.push(d.toString()));

    // The ingest service, wired to the loop as `dsm ingest` wires it.
    const updates: FeedUpdate[] = [];
    for (const ex of cfg.exchanges.filter(isRecorded)) for await (const u of sourceFor(ex, ROOT, cfg.client).updates()) updates.push(u);
    const ingest = new IngestService({ config: cfg, tlsDir: tc.tlsDir, root: ROOT, pace: { mode: 'max' }, sources: [], workers: 0, servers: [tc.clientUrls[0]!] });
    await ingest.start();
    stops.push(() => ingest.stop());
    const control = await tc.connect('ingest');
    new ServiceTuning(control, cfg, 'ingest-1', [{ setting: 'batchMessages', get: () => ingest.batchSize, set: (v) => ingest.setBatchMessages(v) }]).start();

    const ops = await tc.connect('ops', { servers: [tc.clientUrls[2]!] });
    const agent = new MetricsAgent(cfg, { nc: ops, intervalMs: 500 });
    await agent.start();
    stops.push(() => agent.stop());
    const ticks: AgentObservation[] = [];
    agent.onTick((o) => ticks.push(o));
    const acks = new TuningAcks().start(ops, cfg);
    const tuner = new Tuner(cfg, { source: new AgentObservationSource(agent), applier: new ControlSubjectApplier(ops, cfg), initial: { batchMessages: cfg.ingest.batchMessages, maxQueuedMessages: cfg.client.maxQueuedMessages }, dryRun: false });

    // Feed: `rate` updates/s, routed in bursts every `burstMs` (a venue's bursts, not a smooth trickle).
    let rate = 40;
    let burstMs = 100;
    let routed = 0;
    let owed = 0;
    let last = performance.now();
    const feed = setInterval(() => {
      const now = performance.now();
      owed += ((now - last) / 1000) * rate;
      last = now;
      if (now % burstMs > 20) return;
      for (; owed >= 1; owed--) ingest.route({ ...updates[routed++ % updates.length]! });
      ingest.flush();
    }, 5);
    stops.push(async () => clearInterval(feed));
    const overflowsSince = (i: number) => ticks.slice(i).reduce((n, o) => n + o.subscriberSlow, 0);

    // Wait for the subscriber's first summary, then light load: nothing to do.
    for (let i = 0; i < 200 && !ticks.some((o) => o.latency.end_to_end); i++) await sleep(100);
    for (let i = 0; i < 4; i++) { await sleep(500); await tuner.step(); }
    expect(tuner.history.filter((d) => d.applied && d.setting === 'maxQueuedMessages')).toHaveLength(0);

    // The load change: heavy bursts overflow the 100-message queue.
    rate = 20_000;
    burstMs = 250;
    const heavyFrom = ticks.length;
    for (let i = 0; i < 6 && overflowsSince(heavyFrom) === 0; i++) await sleep(500);
    const symptomBefore = overflowsSince(heavyFrom);
    expect(symptomBefore, out.join('').slice(-2000)).toBeGreaterThan(0);

    // The loop acts until the overflows stop (bounded).
    let quietFrom = -1;
    for (let i = 0; i < 40; i++) {
      await sleep(500);
      await tuner.step();
      const mark = ticks.length;
      await sleep(1500);
      if (overflowsSince(mark) === 0 && tuner.values().maxQueuedMessages! > 100) { quietFrom = mark; break; }
    }
    const raised = tuner.history.filter((d) => d.applied && d.setting === 'maxQueuedMessages');
    console.log(`overflows after the load change: ${symptomBefore}; queue bound ${raised.map((d) => `${d.from}->${d.to}`).join(', ')}; batch ${tuner.history.filter((d) => d.applied && d.setting === 'batchMessages').map((d) => `${d.from}->${d.to}`).join(', ')}`);
    expect(raised.length).toBeGreaterThan(0);
    for (const d of raised) expect(d.to).toBeGreaterThan(d.from);
    expect(tuner.values().maxQueuedMessages!).toBeLessThanOrEqual(50_000);
    // The subscriber process applied what the loop last decided, and said so.
    for (let i = 0; i < 20 && acks.latest.get('subscriber-tuned')?.applied.maxQueuedMessages !== tuner.values().maxQueuedMessages; i++) await sleep(100);
    expect(acks.latest.get('subscriber-tuned')?.applied.maxQueuedMessages).toBe(tuner.values().maxQueuedMessages);
    expect(out.join('')).toMatch(/applied tuned setting/);
    // The symptom improved: overflows stopped under the same heavy load.
    expect(quietFrom).toBeGreaterThan(0);
    await sleep(2000);
    expect(overflowsSince(quietFrom)).toBe(0);
    // The ingest applied its batch size from the same messages and acknowledged it.
    expect(acks.latest.get('ingest-1')?.applied.batchMessages).toBe(ingest.batchSize);
    expect(ingest.batchSize).toBe(tuner.values().batchMessages);
  }, 180_000);
});
