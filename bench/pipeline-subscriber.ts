/**
 * The subscriber side of the pipeline benchmark, in its own process (as a subscriber host would
 * be), so publisher and subscriber costs do not share one thread. Driven over the IPC channel:
 * the parent says what to subscribe (raw nats.js or the DSM subscriber library), publishes, and
 * gets back counts, first/last receive times and latency histograms.
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

export type ToSub = { cmd: 'init'; config: DsmConfig; tlsDir: string; server: string } | { cmd: 'start'; mode: 'raw' | 'dsm'; expected: number } | { cmd: 'collect' } | { cmd: 'exit' };
export interface Percentiles { p50: number; p99: number; p999: number; max: number }
export type FromSub =
  | { ev: 'ready' }
  | { ev: 'started' }
  | { ev: 'result'; received: number; firstNs: number; lastNs: number; latency: Record<string, Percentiles>; books: Record<string, { bids: Array<[number, number]>; asks: Array<[number, number]> }> };

const send = (m: FromSub) => process.send!(m);
let cfg: DsmConfig;
let tlsDir = '';
let server = '';
let rawNc: NatsConnection | undefined;
let rawSub: Subscription | undefined;
let dsm: Subscriber | undefined;
let state = { received: 0, firstNs: 0, lastNs: 0, expected: 0 };
let done: (() => void) | undefined;
let rawLatency: LatencyRecorder | undefined;

const pct = (h: hdr.Histogram): Percentiles => ({ p50: h.getValueAtPercentile(50), p99: h.getValueAtPercentile(99), p999: h.getValueAtPercentile(99.9), max: h.maxValue });

function count(now: number): void {
  if (state.received === 0) state.firstNs = now;
  state.received++;
  state.lastNs = now;
  if (state.received >= state.expected) done?.();
}

process.on('message', (m: ToSub) => {
  void (async () => {
    switch (m.cmd) {
      case 'init':
        cfg = m.config; tlsDir = m.tlsDir; server = m.server;
        rawNc = await connectAs(cfg, 'subscriber', { tlsDir, servers: [server], name: 'bench-raw-sub' });
        send({ ev: 'ready' });
        break;
      case 'start': {
        state = { received: 0, firstNs: 0, lastNs: 0, expected: m.expected };
        if (m.mode === 'raw') {
          // The recorder the DSM subscriber uses, so both paths pay the same for being measured.
          const rec = new LatencyRecorder();
          const h = rec.hop('end_to_end');
          rawLatency = rec;
          rawSub = rawNc!.subscribe('BENCH.*.orderbook', {
            callback: (_e, msg) => {
              const now = monoNs();
              h.record(Math.max(1, Math.round((now - readU64(msg.data, Offset.pubMonoNs)) / 1000)));
              count(now);
            },
          });
          await rawNc!.flush();
        } else {
          dsm = new Subscriber({ config: cfg, tlsDir, subjects: ['BENCH.*.orderbook'], servers: [server], maxQueued: 1_000_000, name: 'bench-dsm-sub' });
          dsm.addHandler(() => count(dsm!.lastUpdateMonoNs));
          await dsm.start();
        }
        send({ ev: 'started' });
        break;
      }
      case 'collect': {
        await Promise.race([new Promise<void>((r) => { done = r; if (state.received >= state.expected) r(); }), new Promise((r) => setTimeout(r, 30_000))]);
        done = undefined;
        const latency: Record<string, Percentiles> = {};
        const books: Record<string, { bids: Array<[number, number]>; asks: Array<[number, number]> }> = {};
        if (rawSub) { latency.raw = pct(rawLatency!.histogram('end_to_end')); rawSub.unsubscribe(); rawSub = undefined; }
        if (dsm) {
          await dsm.settle(5000);
          const s = dsm.latency.summary();
          for (const [hop, v] of Object.entries(s)) latency[hop] = { p50: v.p50, p99: v.p99, p999: v.p999, max: v.max };
          for (const mirror of dsm.mirrors.mirrors()) books[mirror.symbol] = mirror.book.snapshot();
          await dsm.close();
          dsm = undefined;
        }
        send({ ev: 'result', received: state.received, firstNs: state.firstNs, lastNs: state.lastNs, latency, books });
        break;
      }
      case 'exit':
        await rawNc?.close();
        process.exit(0);
    }
  })();
});
