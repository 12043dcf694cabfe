/**
 * An ingest worker: owns the books of the symbols sharded to it and its own NATS connection, so
 * nothing on the hot path is shared or locked. It applies update batches from the orchestrator,
 * publishes each changed book's delta, and answers snapshot requests for its symbols.
 */
import { parentPort } from 'node:worker_threads';
import type { NatsConnection, Subscription } from 'nats';
import { monoNs } from '../common/clock.js';
import { connectAs } from '../nats/connect.js';
import { snapshotSubject, subjectScheme } from '../nats/subjects.js';
import { LatencyRecorder } from '../metrics/latency.js';
import { stampPublishTime } from '../wire/index.js';
import { encodeSubjectToken } from '../marketdata/subject.js';
import { PublishEngine, type BookState } from './publish-engine.js';
import type { FeedUpdate } from './feed-update.js';
import type { FromWorker, ToWorker, WorkerInit, WorkerStats } from './protocol.js';

if (!parentPort) throw new Error('worker.ts must run in a worker thread');
const port = parentPort;
const send = (m: FromWorker) => port.postMessage(m);

let init: WorkerInit;
let nc: NatsConnection;
let engine: PublishEngine;
let publishing = false;
const latency = new LatencyRecorder();
const responders = new Map<BookState, Subscription>();
const stats: WorkerStats = { worker: 0, updates: 0, published: 0, publishedBytes: 0, snapshotRequests: 0, symbols: 0, perExchange: {} };

function currentStats(): WorkerStats {
  stats.symbols = responders.size;
  return { ...stats, perExchange: { ...stats.perExchange }, ingestToPublish: latency.summary().ingest_to_publish };
}

/** Each book answers snapshot requests on its own control subject, outside the data hierarchy. */
function ensureResponder(st: BookState): void {
  if (responders.has(st)) return;
  const scheme = subjectScheme(init.config);
  const subject = snapshotSubject(scheme, st.book.exchange, encodeSubjectToken(st.book.symbol));
  const sub = nc.subscribe(subject, {
    callback: (err, msg) => {
      if (err || !msg.reply || !publishing) return;
      const snap = engine.snapshot(st.book.exchange, st.book.symbol);
      if (!snap) return;
      stats.snapshotRequests++;
      stampPublishTime(snap, monoNs());
      msg.respond(snap);
    },
  });
  responders.set(st, sub);
}

function applyBatch(updates: FeedUpdate[]): void {
  for (let i = 0; i < updates.length; i++) {
    const u = updates[i]!;
    stats.updates++;
    const out = engine.apply(u);
    if (!out) continue;
    ensureResponder(out.state);
    if (!publishing) continue;
    const now = monoNs();
    stampPublishTime(out.payload, now);
    nc.publish(out.subject, out.payload);
    latency.record('ingest_to_publish', (now - u.recvMonoNs) / 1000);
    stats.published++;
    stats.publishedBytes += out.payload.length;
    stats.perExchange[u.exchange] = (stats.perExchange[u.exchange] ?? 0) + 1;
  }
}

async function start(m: WorkerInit): Promise<void> {
  init = m;
  stats.worker = m.worker;
  publishing = m.publishing;
  engine = new PublishEngine({ epoch: m.epoch, dataSuffix: m.config.subjects.dataSuffix, snapshotDepth: m.config.ingest.snapshotDepth });
  nc = await connectAs(m.config, m.identity, { tlsDir: m.tlsDir, name: `${m.publisherId}-w${m.worker}`, ...(m.servers ? { servers: m.servers } : {}) });
  setInterval(() => send({ type: 'stats', stats: currentStats() }), 250).unref();
  send({ type: 'ready', worker: m.worker });
}

port.on('message', (m: ToWorker) => {
  switch (m.type) {
    case 'init':
      start(m).catch((e: Error) => send({ type: 'error', worker: m.worker, message: e.message }));
      break;
    case 'batch':
      applyBatch(m.updates);
      break;
    case 'dump':
      send({ type: 'dump', id: m.id, books: engine.dump() });
      break;
    case 'promote':
      engine.epoch = m.epoch;
      publishing = true;
      break;
    case 'demote':
      publishing = false;
      break;
    case 'stop':
      void (async () => {
        try { await nc.drain(); } catch { /* already closed */ }
        send({ type: 'stopped', stats: currentStats() });
        port.close();
      })();
      break;
  }
});
