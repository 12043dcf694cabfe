/**
 * An ingest worker thread: owns the books of the symbols sharded to it and its own NATS
 * connection (a PublisherCore), so nothing on the hot path is shared or locked.
 */
import { parentPort } from 'node:worker_threads';
import { PublisherCore } from './publisher-core.js';
import type { FromWorker, ToWorker } from './protocol.js';
import { describeUpdate } from './update-guard.js';

if (!parentPort) throw new Error('worker.ts must run in a worker thread');
const port = parentPort;
const send = (m: FromWorker) => port.postMessage(m);
let core: PublisherCore | undefined;
let workerIndex = -1;

port.on('message', (m: ToWorker) => {
  switch (m.type) {
    case 'init': {
      workerIndex = m.worker;
      const c = new PublisherCore(m);
      c.connect().then(() => {
        core = c;
        // The histogram (about 1 ms to compress) rides along once a second, for interval summaries.
        let tick = 0;
        setInterval(() => send({ type: 'stats', stats: c.currentStats(tick++ % 4 === 0) }), 250).unref();
        send({ type: 'ready', worker: m.worker });
        c.startFeeds().then(
          (sources) => send({ type: 'feeds-ended', worker: m.worker, sources }),
          (e: Error) => send({ type: 'error', worker: m.worker, message: `feeds: ${e.message}` }),
        );
      }, (e: Error) => send({ type: 'error', worker: m.worker, message: e.message }));
      break;
    }
    case 'batch': {
      if (!core) break;
      let i = 0;
      try {
        for (; i < m.updates.length; i++) core.applyOne(m.updates[i]!);
      } catch (e) {
        // Books may be half-changed: this worker must not publish again. Report what broke it
        // and exit; the supervisor logs it, restarts the worker and rebuilds its books.
        const err = e as Error;
        core = undefined;
        const u = m.updates[i];
        send({ type: 'crash', worker: workerIndex, message: err?.message ?? String(e), stack: err?.stack, input: u ? describeUpdate(u) : undefined });
        setImmediate(() => process.exit(1));
      }
      break;
    }
    case 'dump': send({ type: 'dump', id: m.id, books: core?.dump() ?? [] }); break;
    // A worker without a core (crashed, exiting) answers nothing: the shard resolves its reports on exit.
    case 'report': if (core) send({ type: 'report', id: m.id, stats: core.currentStats() }); break;
    case 'promote': core?.promote(m.epoch, m.replayWindowMs); break;
    case 'demote': core?.demote(); break;
    case 'stop':
      void (async () => {
        const stats = core ? await core.stop() : undefined;
        if (stats) send({ type: 'stopped', stats });
        port.close();
      })();
      break;
  }
});
