/**
 * Record a live WebSocket feed into the capture format: the connection, every frame sent and
 * received (one line each, stamped on arrival), and REST responses into a second capture.
 * Stops after a duration or when the signal aborts; either way both files are closed cleanly.
 */
import WebSocket from 'ws';
import { childLogger } from '../../common/log.js';
import type { RecordingPlan } from './plan.js';
import { liveStamp } from './stamp.js';
import { CaptureWriter } from './writer.js';

export interface RecordOptions {
  out: string;
  /** REST responses go here (required when the plan has REST URLs). */
  restOut?: string;
  /** Stop after this many seconds; otherwise run until `signal` aborts or the server closes. */
  seconds?: number;
  signal?: AbortSignal;
  /** Give up connecting after this long. */
  connectTimeoutMs?: number;
}

export interface RecordStats {
  url: string;
  out: string;
  restOut?: string;
  frames: number;
  sent: number;
  rest: number;
  restFailed: number;
  /** Frames the one-line format could not hold. */
  skipped: number;
  seconds: number;
  closedBy: 'timer' | 'signal' | 'server';
}

export class RecordError extends Error {}

export async function recordFeed(plan: RecordingPlan, opts: RecordOptions): Promise<RecordStats> {
  const log = childLogger('record');
  if (plan.rest.length > 0 && !opts.restOut) throw new RecordError(`${plan.venue} recording needs a REST output file`);
  const ws = new WebSocket(plan.url, { handshakeTimeout: opts.connectTimeoutMs ?? 10_000 });
  const out = new CaptureWriter(opts.out);
  const restOut = opts.restOut && plan.rest.length > 0 ? new CaptureWriter(opts.restOut) : undefined;
  const stats: RecordStats = { url: plan.url, out: opts.out, restOut: restOut?.path, frames: 0, sent: 0, rest: 0, restFailed: 0, skipped: 0, seconds: 0, closedBy: 'server' };
  const started = Date.now();

  ws.on('message', (data: WebSocket.RawData) => {
    const frame = Buffer.isBuffer(data) ? data.toString('utf8') : Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data).toString('utf8');
    if (out.write({ kind: 'recv', wallUs: liveStamp().recvWallUs, frame })) stats.frames++;
    else stats.skipped++;
  });

  try {
    let opened = false;
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => {
        opened = true;
        // Written here, before any frame can arrive, so the open line always comes first.
        out.write({ kind: 'open', url: plan.url, wallUs: liveStamp().recvWallUs });
        resolve();
      });
      ws.on('error', (err) => {
        if (!opened) reject(new RecordError(`cannot connect to ${plan.url}: ${err.message}`));
        else log.warn({ err: err.message }, 'WebSocket error');
      });
    });
    log.info({ url: plan.url, out: opts.out }, 'recording');
    for (const frame of plan.subscribe) {
      ws.send(frame);
      out.write({ kind: 'sent', url: plan.url, wallUs: liveStamp().recvWallUs, frame });
      stats.sent++;
    }
    const done = waitForEnd(ws, opts, stats);
    if (restOut) await fetchSnapshots(plan.rest, restOut, stats, log);
    await done;
  } finally {
    if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.terminate();
    await out.close();
    await restOut?.close();
    stats.seconds = Math.round((Date.now() - started) / 100) / 10;
  }
  return stats;
}

function waitForEnd(ws: WebSocket, opts: RecordOptions, stats: RecordStats): Promise<void> {
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const finish = (by: RecordStats['closedBy']) => {
      if (timer) clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      stats.closedBy = by;
      resolve();
    };
    const onAbort = () => finish('signal');
    if (opts.seconds !== undefined) timer = setTimeout(() => finish('timer'), opts.seconds * 1000);
    if (opts.signal?.aborted) return finish('signal');
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    ws.once('close', () => finish('server'));
  });
}

async function fetchSnapshots(urls: string[], out: CaptureWriter, stats: RecordStats, log: ReturnType<typeof childLogger>): Promise<void> {
  for (const url of urls) {
    try {
      const res = await fetch(url);
      const body = await res.text();
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      // JSON bodies are one line; anything else is re-serialised rather than split.
      out.write({ kind: 'rest', url, wallUs: liveStamp().recvWallUs, body: body.replace(/\r?\n/g, ' ') });
      stats.rest++;
    } catch (err) {
      stats.restFailed++;
      log.warn({ url, err: err instanceof Error ? err.message : String(err) }, 'REST snapshot failed');
    }
  }
}
