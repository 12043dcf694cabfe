import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocketServer } from 'ws';
import { readCaptureRecords } from '../../services/feeds/capture/reader.js';
import { runDsm } from '../../test/harness/cli.js';

const ROOT = join(import.meta.dirname, '..', '..');
const CAPTURES = join(ROOT, 'services', 'feeds', 'samples', 'captures');

const dsm = (...args: string[]) => runDsm(args, { env: { DSM_LOG_LEVEL: 'warn' } });

/** Payloads of a real capture's lines of one kind. */
function payloads(file: string, kind: 'recv' | 'rest'): string[] {
  return readFileSync(join(CAPTURES, file), 'utf8')
    .split('\n')
    .flatMap((l) => {
      const m = kind === 'recv' ? /^\d+(?:\.\d+)?: (.*)$/.exec(l) : /^\S+ -> [\d.]+: (.*)$/.exec(l);
      return m ? [m[1]!] : [];
    });
}

/** A venue on 127.0.0.1 that replays a real capture's frames and serves its REST snapshots by symbol. */
async function startVenue(frames: string[], restBySymbol: Map<string, string>, waitForSubscribe: boolean) {
  const http: Server = createServer((req, res) => {
    const body = restBySymbol.get(new URL(req.url ?? '/', 'http://x').searchParams.get('symbol') ?? '');
    res.writeHead(body ? 200 : 404).end(body ?? '{}');
  });
  const wss = new WebSocketServer({ server: http });
  const subscriptions: string[] = [];
  wss.on('connection', (sock) => {
    const play = () => frames.forEach((f) => sock.send(f));
    if (waitForSubscribe) {
      sock.once('message', (m) => {
        subscriptions.push(m.toString());
        play();
      });
    } else play();
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    ws: `ws://127.0.0.1:${port}`,
    http: `http://127.0.0.1:${port}`,
    subscriptions,
    close: () => new Promise<void>((resolve) => {
      for (const c of wss.clients) c.terminate();
      wss.close(() => http.close(() => resolve()));
    }),
  };
}

describe('dsm record -> dsm book replay', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'dsm-record-cli-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('kraken: a recording of the replayed feed checks out against every checksum', async () => {
    const venue = await startVenue(payloads('kraken-book-2021-04-17.ws.txt', 'recv'), new Map(), true);
    try {
      const out = join(dir, 'kraken.ws.txt');
      const r = await dsm('record', '--venue', 'kraken', '--symbols', 'XMR/USD,WAVES/EUR,ADA/XBT,ETH/CHF,GRT/ETH', '--url', venue.ws, '--out', out, '--seconds', '2');
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ frames: 2148, sent: 1, closedBy: 'timer' });
      expect(JSON.parse(venue.subscriptions[0]!)).toMatchObject({ event: 'subscribe', subscription: { name: 'book', depth: 1000 } });
      const back = await readCaptureRecords(out);
      expect(back.map((l) => l.rec.kind).slice(0, 3)).toEqual(['open', 'sent', 'recv']);
      const replay = await dsm('book', 'replay', '--format', 'kraken', out);
      expect(replay.code, replay.stderr).toBe(0);
      expect(JSON.parse(replay.stdout)).toMatchObject({ checksum_checks: 2106, checksum_matches: 2106, books: 5 });
    } finally {
      await venue.close();
    }
  });

  it('binance: stream + REST snapshots recorded to two files replay to the same ground truth', async () => {
    const rest = new Map(payloads('binance-spot-depth-2021-10-12.rest.txt', 'rest').map((body, i) => [['NKNUSDT', 'BLZETH', 'LRCBTC', 'RUNEEUR'][i]!, body]));
    const venue = await startVenue(payloads('binance-spot-depth-2021-10-12.ws.txt', 'recv'), rest, false);
    try {
      const out = join(dir, 'binance.ws.txt');
      const r = await dsm('record', '--venue', 'binance', '--symbols', 'NKNUSDT,BLZETH,LRCBTC,RUNEEUR', '--url', venue.ws, '--rest-url', venue.http, '--out', out, '--seconds', '1.5');
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ frames: 265, rest: 4, restFailed: 0, restOut: join(dir, 'binance.rest.txt') });
      const replay = await dsm('book', 'replay', '--format', 'binance', out, join(dir, 'binance.rest.txt'));
      expect(replay.code, replay.stderr).toBe(0);
      expect(JSON.parse(replay.stdout)).toMatchObject({ books: 4, gaps: 0, rows_compared: 26, rows_matched: 26 });
    } finally {
      await venue.close();
    }
  });

  it('a refused connection exits 1 with one line; bad options exit 2', async () => {
    const refused = await dsm('record', '--venue', 'coinbase', '--symbols', 'BTC-USD', '--url', 'ws://127.0.0.1:1', '--out', join(dir, 'x.txt'), '--seconds', '1');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^dsm: cannot connect to ws:\/\/127\.0\.0\.1:1/m);
    const [venue, depth, dirMissing] = await Promise.all([
      dsm('record', '--venue', 'bitmex', '--symbols', 'X', '--out', join(dir, 'y.txt')),
      dsm('record', '--venue', 'kraken', '--symbols', 'XBT/USD', '--depth', '7', '--out', join(dir, 'y.txt')),
      dsm('record', '--venue', 'kraken', '--symbols', 'XBT/USD', '--out', join(dir, 'no', 'such', 'y.txt')),
    ]);
    expect([venue.code, depth.code, dirMissing.code]).toEqual([2, 2, 2]);
    expect(depth.stderr).toMatch(/depth must be one of 10, 25, 100, 500, 1000/);
    expect(dirMissing.stderr).toMatch(/--out directory does not exist/);
  });
});
