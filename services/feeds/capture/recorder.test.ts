import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocketServer } from 'ws';
import { binanceRecording } from '../binance/venue.js';
import { krakenRecording } from '../kraken/venue.js';
import { readCaptureRecords } from './reader.js';
import { recordFeed } from './recorder.js';

const CAPTURES = join(import.meta.dirname, '..', 'samples', 'captures');

/** Received frames of a real capture, in order. */
function framesOf(file: string): string[] {
  return readFileSync(join(CAPTURES, file), 'utf8')
    .split('\n')
    .flatMap((l) => {
      const m = /^\d+(?:\.\d+)?: (.*)$/.exec(l);
      return m ? [m[1]!] : [];
    });
}

interface Venue {
  url: string;
  base: string;
  received: string[];
  close(): Promise<void>;
}

/** A local venue on 127.0.0.1: plays `frames` to each client (after its first message if `afterSubscribe`), serves REST bodies. */
async function startVenue(frames: string[], rest: Record<string, string>, afterSubscribe: boolean): Promise<Venue> {
  const http: Server = createServer((req, res) => {
    const symbol = new URL(req.url ?? '/', 'http://x').searchParams.get('symbol') ?? '';
    const body = rest[symbol];
    res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' }).end(body ?? '{"code":-1121}');
  });
  const wss = new WebSocketServer({ server: http });
  const received: string[] = [];
  wss.on('connection', (sock) => {
    const play = () => {
      for (const f of frames) sock.send(f);
    };
    if (afterSubscribe) sock.once('message', (m) => {
      received.push(m.toString());
      play();
    });
    else play();
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}/ws`,
    base: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => http.close(() => resolve()));
      }),
  };
}

describe('recordFeed against a local WebSocket server', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'dsm-record-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('Kraken: writes the open line, the subscription it sent and every frame, and the file reads back', async () => {
    const frames = framesOf('kraken-book-2021-04-17.ws.txt').slice(0, 300);
    const venue = await startVenue(frames, {}, true);
    try {
      const out = join(dir, 'kraken.ws.txt');
      const plan = krakenRecording(['XMR/USD', 'ADA/XBT'], { wsUrl: venue.url, depth: 1000 });
      const stats = await recordFeed(plan, { out, seconds: 1.5 });
      expect(stats).toMatchObject({ frames: 300, sent: 1, skipped: 0, closedBy: 'timer' });
      expect(JSON.parse(venue.received[0]!)).toEqual({ event: 'subscribe', pair: ['XMR/USD', 'ADA/XBT'], subscription: { name: 'book', depth: 1000 } });
      const back = await readCaptureRecords(out);
      expect(back[0]!.rec).toMatchObject({ kind: 'open', url: venue.url });
      expect(back[1]!.rec).toMatchObject({ kind: 'sent', url: venue.url, frame: venue.received[0] });
      const recv = back.flatMap((l) => (l.rec.kind === 'recv' ? [l.rec] : []));
      expect(recv.map((r) => r.frame)).toEqual(frames);
      for (let i = 1; i < recv.length; i++) expect(recv[i]!.wallUs).toBeGreaterThanOrEqual(recv[i - 1]!.wallUs);
    } finally {
      await venue.close();
    }
  });

  it('Binance: fetches one REST depth snapshot per symbol into the REST capture', async () => {
    const frames = framesOf('binance-spot-depth-2021-10-12.ws.txt').slice(0, 50);
    const restBody = readFileSync(join(CAPTURES, 'binance-spot-depth-2021-10-12.rest.txt'), 'utf8').split('\n')[0]!.replace(/^.*? -> [\d.]+: /, '');
    const venue = await startVenue(frames, { NKNUSDT: restBody }, false);
    try {
      const out = join(dir, 'binance.ws.txt');
      const restOut = join(dir, 'binance.rest.txt');
      const plan = binanceRecording(['NKNUSDT', 'NOSUCH'], { wsUrl: venue.url, restBase: venue.base });
      const stats = await recordFeed(plan, { out, restOut, seconds: 1 });
      expect(stats).toMatchObject({ frames: 50, sent: 0, rest: 1, restFailed: 1 });
      const rest = await readCaptureRecords(restOut);
      expect(rest).toHaveLength(1);
      expect(rest[0]!.rec).toMatchObject({ kind: 'rest', url: `${venue.base}/api/v3/depth?symbol=NKNUSDT&limit=1000`, body: restBody });
    } finally {
      await venue.close();
    }
  });

  it('stops when the signal aborts and when the server goes away', async () => {
    const venue = await startVenue(['{"event":"heartbeat"}'], {}, false);
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 300);
    const stats = await recordFeed(krakenRecording(['XBT/USD'], { wsUrl: venue.url }), { out: join(dir, 'abort.txt'), signal: stop.signal });
    expect(stats.closedBy).toBe('signal');
    const closing = recordFeed(krakenRecording(['XBT/USD'], { wsUrl: venue.url }), { out: join(dir, 'closed.txt'), seconds: 30 });
    setTimeout(() => void venue.close(), 300);
    expect((await closing).closedBy).toBe('server');
  });

  it('reports a refused connection as an error', async () => {
    await expect(recordFeed(krakenRecording(['XBT/USD'], { wsUrl: 'ws://127.0.0.1:1' }), { out: join(dir, 'refused.txt'), seconds: 1 })).rejects.toThrow(/cannot connect/);
  });
});
