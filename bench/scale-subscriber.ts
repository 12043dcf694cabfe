/**
 * One subscriber process of the scale benchmark (a fan-out point runs several). Driven over IPC
 * like pipeline-subscriber.ts, with what the scale benchmark needs on top: a list of subjects
 * (one wildcard, or one exact subject per symbol), histograms shipped back whole (HDR, base64)
 * so the parent merges every subscriber's, GC counts, retained memory with the books still held,
 * and an optional CPU profile of the run.
 */
import * as hdr from 'hdr-histogram-js';
import type { NatsConnection, Subscription } from 'nats';
import type { DsmConfig } from '../config/schema.js';
import { monoNs } from '../services/common/clock.js';
import { LatencyRecorder } from '../services/metrics/latency.js';
import { connectAs } from '../services/nats/connect.js';
import { Subscriber } from '../services/subscriber/subscriber.js';
import { readU64 } from '../services/wire/bytes.js';
import { Offset } from '../services/wire/layout.js';
import { CpuProfiler, GcCounter, retainedBytes, type Frame, type GcCounts } from './probes.js';

export type ToScaleSub =
  | { cmd: 'init'; config: DsmConfig; tlsDir: string; server: string; name: string }
  | {
    cmd: 'start'; mode: 'raw' | 'dsm'; expected: number; subjects: string[]; profileFile?: string; memory?: boolean;
    /**
     * Done when every symbol's messages reached this exchange sequence (instead of after
     * `expected` messages): with coalescing the number of messages is not known up front.
     */
    finalExchSeq?: Record<string, number>;
  }
  | { cmd: 'collect'; books?: boolean; timeoutMs: number }
  | { cmd: 'exit' };

export type Books = Record<string, { bids: Array<[number, number]>; asks: Array<[number, number]> }>;

export type FromScaleSub =
  | { ev: 'ready' }
  | { ev: 'started' }
  | {
    ev: 'result'; received: number; lastNs: number;
    /** Everything expected arrived (false: the collect timed out). */
    complete: boolean;
    /** HDR histograms (µs), compressed base64: `e2e` (raw: publish -> receive), `hop` (DSM publish -> subscriber). */
    e2e: string; hop?: string;
    gc: GcCounts; retainedBytes?: number; rssBytes: number; frames?: Frame[]; books?: Books;
  };

const send = (m: FromScaleSub) => process.send!(m);
let cfg: DsmConfig;
let tlsDir = '';
let server = '';
let name = '';
let rawNc: NatsConnection | undefined;
let rawSubs: Subscription[] = [];
let dsm: Subscriber | undefined;
const gc = new GcCounter();
const profiler = new CpuProfiler();
let profileFile: string | undefined;
let baseline = 0;
let memory = false;
let state = { received: 0, lastNs: 0, expected: 0 };
let finalExchSeq: Map<string, number> | undefined;
let symbolsPending = 0;
let e2e = newHist();
let hop = newHist();
let done: (() => void) | undefined;
let rawLatency: LatencyRecorder | undefined;

function newHist(): hdr.Histogram {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
}

const us = (ns: number) => Math.min(60_000_000, Math.max(1, Math.round(ns / 1000)));

function count(now: number): void {
  state.received++;
  state.lastNs = now;
  if (state.received >= state.expected) done?.();
}

async function start(m: Extract<ToScaleSub, { cmd: 'start' }>): Promise<void> {
  memory = m.memory ?? false;
  baseline = memory ? retainedBytes() : 0;
  state = { received: 0, lastNs: 0, expected: m.finalExchSeq ? Infinity : m.expected };
  finalExchSeq = m.finalExchSeq ? new Map(Object.entries(m.finalExchSeq)) : undefined;
  symbolsPending = finalExchSeq?.size ?? 0;
  e2e = newHist();
  hop = newHist();
  if (m.mode === 'raw') {
    // The same recorder the DSM subscriber uses (exact HDR percentiles, cheap per value), so the
    // two paths pay the same for being measured.
    const rec = new LatencyRecorder();
    const h = rec.hop('end_to_end');
    rawLatency = rec;
    const callback = (_e: unknown, msg: { data: Uint8Array }) => {
      const now = monoNs();
      h.record(us(now - readU64(msg.data, Offset.pubMonoNs)));
      count(now);
    };
    rawSubs = m.subjects.map((s) => rawNc!.subscribe(s, { callback }));
    await rawNc!.flush();
  } else {
    const s = new Subscriber({ config: cfg, tlsDir, subjects: m.subjects, servers: [server], maxQueued: 1_000_000, name });
    // Latency comes from the subscriber's own per-hop histograms (what it records in production
    // anyway), so the benchmark adds no recording of its own to the DSM path.
    e2e = s.latency.histogram('end_to_end');
    hop = s.latency.histogram('publish_to_subscriber');
    s.addHandler(({ message }) => {
      const now = s.lastUpdateMonoNs;
      if (finalExchSeq !== undefined) {
        const last = finalExchSeq.get(message.symbol);
        if (last !== undefined && message.exchSeq >= last) {
          finalExchSeq.delete(message.symbol);
          if (--symbolsPending === 0) state.expected = state.received + 1;
        }
      }
      count(now);
    });
    await s.start();
    dsm = s;
    rawLatency = undefined;
  }
  profileFile = m.profileFile;
  if (profileFile) await profiler.start();
  gc.start();
}

async function collect(m: Extract<ToScaleSub, { cmd: 'collect' }>): Promise<void> {
  await Promise.race([new Promise<void>((r) => { done = r; if (state.received >= state.expected) r(); }), new Promise((r) => setTimeout(r, m.timeoutMs))]);
  done = undefined;
  const complete = state.received >= state.expected;
  const gcCounts = await gc.stop();
  const frames = profileFile ? await profiler.stop(profileFile) : undefined;
  let books: Books | undefined;
  let hopB64: string | undefined;
  // Histograms as of now (a recorder moves its pending counts in when read).
  if (rawLatency) e2e = rawLatency.histogram('end_to_end');
  if (dsm) {
    await dsm.settle(5000);
    e2e = dsm.latency.histogram('end_to_end');
    hop = dsm.latency.histogram('publish_to_subscriber');
    hopB64 = hdr.encodeIntoCompressedBase64(hop);
    if (m.books) {
      books = {};
      for (const mirror of dsm.mirrors.mirrors()) books[mirror.symbol] = mirror.book.snapshot();
    }
  }
  // Measured while the books (or raw subscriptions) are still held.
  const retained = memory ? retainedBytes() - baseline : undefined;
  const rssBytes = process.memoryUsage().rss;
  for (const s of rawSubs) s.unsubscribe();
  rawSubs = [];
  if (dsm) { await dsm.close(); dsm = undefined; }
  send({ ev: 'result', received: state.received, complete, lastNs: state.lastNs, e2e: hdr.encodeIntoCompressedBase64(e2e), hop: hopB64, gc: gcCounts, retainedBytes: retained, rssBytes, frames, books });
}

process.on('message', (m: ToScaleSub) => {
  void (async () => {
    switch (m.cmd) {
      case 'init':
        cfg = m.config; tlsDir = m.tlsDir; server = m.server; name = m.name;
        // A loaded machine can stall a TLS handshake: retry rather than lose the whole run.
        for (let attempt = 1; ; attempt++) {
          try {
            rawNc = await connectAs(cfg, 'subscriber', { tlsDir, servers: [server], name: `${name}-raw`, timeout: 30_000 });
            break;
          } catch (err) {
            if (attempt >= 3) throw err;
            process.stderr.write(`scale subscriber ${name}: connect attempt ${attempt} failed (${(err as Error).message}), retrying\n`);
          }
        }
        send({ ev: 'ready' });
        break;
      case 'start': await start(m); send({ ev: 'started' }); break;
      case 'collect': await collect(m); break;
      case 'exit':
        await rawNc?.close();
        process.exit(0);
    }
  })().catch((err: Error) => {
    process.stderr.write(`scale subscriber ${name}: ${err.stack ?? err.message}\n`);
    process.exit(1);
  });
});
