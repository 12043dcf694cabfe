/**
 * Load profiles (`dsm bench load`): replay the recorded sessions against the cluster at a steady
 * rate, at N times recorded speed, or with a market-open burst, and report what the cluster and
 * the subscribers sustained each second and where backpressure showed (server slow consumers,
 * subscriber queue overflows, resyncs). This is how peak volumes are simulated here.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../config/load.js';
import type { FeedUpdate } from '../services/ingest/feed-update.js';
import { IngestService } from '../services/ingest/service.js';
import { isRecorded, sourceFor } from '../services/ingest/sources/index.js';
import { LocalCluster } from '../services/nats/local-cluster.js';
import { fetchVarz } from '../services/nats/monitor.js';
import { withFreeLoopbackPorts } from '../services/nats/ports.js';
import { compareBooks } from '../services/pipeline/compare.js';
import { Subscriber } from '../services/subscriber/subscriber.js';

export type LoadProfile =
  | { kind: 'steady'; rate: number }
  | { kind: 'multiplier'; speed: number }
  | { kind: 'burst'; baseRate: number; peakRate: number; burstSeconds: number };

export interface LoadSecond {
  t: number;
  offered: number;
  published: number;
  received: number[];
  server_slow_consumers: number;
  subscriber_slow_consumer: number;
  resyncs: number;
}

export interface LoadReport {
  profile: LoadProfile;
  seconds: number;
  subscribers: number;
  queue_bound: number;
  offered_total: number;
  published_total: number;
  received_total: number[];
  sustained: { offered_per_s: number; published_per_s: number; received_per_s: number[] };
  peak: { offered_per_s: number; published_per_s: number; received_per_s: number[] };
  backpressure: Array<{ t: number; what: string }>;
  books_consistent: boolean;
  timeline: LoadSecond[];
}

/**
 * Every update of the recorded sessions, merged as if they had all started together (the
 * recordings are from different days): each one's recording time becomes an offset from its
 * own first update, which is what ×N pacing runs on.
 */
export async function recordedUpdates(root: string): Promise<FeedUpdate[]> {
  const cfg = loadConfig('local');
  const all: FeedUpdate[] = [];
  for (const ex of cfg.exchanges.filter(isRecorded)) {
    let first: number | undefined;
    for await (const u of sourceFor(ex, root, cfg.client).updates()) {
      first ??= u.atUs;
      all.push({ ...u, atUs: u.atUs - first });
    }
  }
  return all.sort((a, b) => a.atUs - b.atUs);
}

/** Offered rate at second t of a profile (for the ×N profile, the recording decides). */
function rateAt(p: LoadProfile, t: number): number | undefined {
  if (p.kind === 'steady') return p.rate;
  if (p.kind === 'burst') return t < p.burstSeconds ? p.peakRate : p.baseRate;
  return undefined;
}

export async function runLoad(opts: { profile: LoadProfile; seconds: number; subscribers?: number; queueBound?: number; root: string; log?: (l: string) => void }): Promise<LoadReport> {
  const log = opts.log ?? (() => undefined);
  const updates = await recordedUpdates(opts.root);
  const config = await withFreeLoopbackPorts(loadConfig('local'));
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dsm-load-'));
  const cluster = new LocalCluster(config, { dir });
  const subs: Subscriber[] = [];
  let ingest: IngestService | undefined;
  try {
    await cluster.start();
    const urls = cluster.clientUrls;
    const queueBound = opts.queueBound ?? config.client.maxQueuedMessages;
    for (let i = 0; i < (opts.subscribers ?? 2); i++) {
      subs.push(await new Subscriber({ config, tlsDir: cluster.tlsDir, subjects: ['*.*.orderbook'], servers: [urls[(i + 1) % urls.length]!], maxQueued: queueBound, name: `load-sub-${i}` }).start());
    }
    ingest = new IngestService({ config, tlsDir: cluster.tlsDir, root: opts.root, pace: { mode: 'max' }, sources: [], workers: config.ingest.workers, servers: [urls[0]!] });
    await ingest.start();

    const timeline: LoadSecond[] = [];
    const backpressure: Array<{ t: number; what: string }> = [];
    const slowAt = async () => (await Promise.all(cluster.monitorUrls.map((u) => fetchVarz(u).then((v) => v.slow_consumers, () => 0)))).reduce((a, b) => a + b, 0);
    const serverSlow0 = await slowAt();
    let offered = 0;
    let idx = 0;
    const next = () => {
      const u = updates[idx % updates.length]!;
      idx++;
      return { ...u };
    };
    const start = performance.now();
    const firstAt = updates[0]!.atUs;
    const span = updates[updates.length - 1]!.atUs - firstAt;
    let prev = { published: 0, received: subs.map(() => 0), offered: 0, serverSlow: serverSlow0, subSlow: 0, resyncs: 0 };
    let nextSample = 1;
    while ((performance.now() - start) / 1000 < opts.seconds) {
      const t = (performance.now() - start) / 1000;
      const rate = rateAt(opts.profile, t);
      if (rate !== undefined) {
        const secondStart = Math.floor(t);
        const dueThisSecond = Math.floor((t - secondStart) * rate);
        const sentThisSecond = offered - timeline.reduce((a, s) => a + s.offered, 0);
        for (let k = sentThisSecond; k < dueThisSecond; k++) { ingest.route(next()); offered++; }
      } else if (opts.profile.kind === 'multiplier') {
        // Recorded pace × N; the recording loops, each pass shifted by its span.
        const target = firstAt + t * 1e6 * opts.profile.speed;
        const recordedAt = (i: number) => updates[i % updates.length]!.atUs + Math.floor(i / updates.length) * (span + 1);
        while (recordedAt(idx) <= target) { ingest.route(next()); offered++; }
      }
      ingest.flush();
      if (t >= nextSample) {
        nextSample++;
        const published = ingest.workerStats().reduce((a, w) => a + w.published, 0);
        const received = subs.map((s) => s.counters.received);
        const serverSlow = await slowAt();
        const subSlow = subs.reduce((a, s) => a + s.counters.slowConsumer, 0);
        const resyncs = subs.reduce((a, s) => a + s.counters.reconnects + s.counters.slowConsumer, 0);
        const sec: LoadSecond = {
          t: nextSample - 1, offered: offered - prev.offered, published: published - prev.published, received: received.map((r, i) => r - prev.received[i]!),
          server_slow_consumers: serverSlow - prev.serverSlow, subscriber_slow_consumer: subSlow - prev.subSlow, resyncs: resyncs - prev.resyncs,
        };
        timeline.push(sec);
        if (sec.server_slow_consumers) backpressure.push({ t: sec.t, what: `nats-server cut ${sec.server_slow_consumers} slow consumer(s)` });
        if (sec.subscriber_slow_consumer) backpressure.push({ t: sec.t, what: `subscriber queue overflowed ${sec.subscriber_slow_consumer}x (resync from snapshots)` });
        log(`t=${sec.t}s offered ${sec.offered}/s published ${sec.published}/s received ${sec.received.join('/')} /s`);
        prev = { published, received, offered, serverSlow, subSlow, resyncs };
      }
      await new Promise((r) => setTimeout(r, 1));
    }
    ingest.flush();
    await new Promise((r) => setTimeout(r, 1000));
    const settled = await Promise.all(subs.map((s) => s.settle(15_000)));
    const dumps = await ingest.dump();
    const consistent = settled.every(Boolean) && subs.every((s) => compareBooks(dumps, s.mirrors, () => true).mismatches.length === 0);
    const avg = (xs: number[]) => Math.round(xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length));
    return {
      profile: opts.profile, seconds: opts.seconds, subscribers: subs.length, queue_bound: queueBound,
      offered_total: offered, published_total: ingest.workerStats().reduce((a, w) => a + w.published, 0), received_total: subs.map((s) => s.counters.received),
      sustained: { offered_per_s: avg(timeline.map((s) => s.offered)), published_per_s: avg(timeline.map((s) => s.published)), received_per_s: subs.map((_, i) => avg(timeline.map((s) => s.received[i]!))) },
      peak: { offered_per_s: Math.max(0, ...timeline.map((s) => s.offered)), published_per_s: Math.max(0, ...timeline.map((s) => s.published)), received_per_s: subs.map((_, i) => Math.max(0, ...timeline.map((s) => s.received[i]!))) },
      backpressure, books_consistent: consistent, timeline,
    };
  } finally {
    for (const s of subs) await s.close().catch(() => undefined);
    await ingest?.stop().catch(() => undefined);
    await cluster.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
