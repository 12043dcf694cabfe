/**
 * The venues that have a local peer, and the small HTTP control surface a running peer exposes on
 * 127.0.0.1 beside the venue's own port (`dsm venue-peer serve`), so faults can be injected from a
 * shell or a test in another process:
 *
 *   GET  /status            what the peer serves, connections, faults taken (PeerStatus)
 *   GET  /book/<symbol>     the peer's own book, best first, as the venue prints it
 *   POST /fault             {"kind": ..., "symbol"?: ..., "ms"?: ...}  (PeerFaultSchema)
 *   POST /walk              {"running": true|false, "intervalMs"?: n}  start or pause the book walk
 *
 * Bodies are validated with zod; a request the peer cannot take is a 400 with `{"error": ...}`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { childLogger } from '../common/log.js';
import { BinancePeer } from './binance/peer.js';
import { CoinbaseAdvancedPeer } from './coinbase/advanced-peer.js';
import { CoinbasePeer } from './coinbase/peer.js';
import { KrakenPeer } from './kraken/peer.js';
import { PeerError, PeerFaultSchema, type PeerFault, type PeerLevel, type PeerStatus, type VenuePeer, type VenuePeerOptions } from './peer.js';

/** Venues with a peer, and how to make one. Add a line here with a new venue's `<venue>/peer.ts`. */
export const VENUE_PEERS = {
  kraken: (o: VenuePeerOptions) => new KrakenPeer(o),
  binance: (o: VenuePeerOptions) => new BinancePeer(o),
  coinbase: (o: VenuePeerOptions) => new CoinbasePeer(o),
  'coinbase-advanced': (o: VenuePeerOptions) => new CoinbaseAdvancedPeer(o),
} as const satisfies Record<string, (o: VenuePeerOptions) => VenuePeer>;
export type PeerVenue = keyof typeof VENUE_PEERS;
export const PEER_VENUES = Object.keys(VENUE_PEERS) as PeerVenue[];

export const WalkSchema = z.object({
  running: z.boolean(),
  intervalMs: z.number().int().min(1).max(60_000).optional(),
}).strict();
export type Walk = z.infer<typeof WalkSchema>;

export interface PeerBookView {
  symbol: string;
  bids: PeerLevel[];
  asks: PeerLevel[];
}

const MAX_BODY = 4096;

/** Serves the control surface of one peer. */
export class PeerControl {
  private readonly server = http.createServer((req, res) => void this.handle(req, res));
  private readonly log = childLogger('venue-peer');

  constructor(private readonly peer: VenuePeer) {}

  /** Listen on 127.0.0.1 (`port` 0 picks a free one); resolves with the base URL. */
  async start(port = 0, host = '127.0.0.1'): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => resolve());
    });
    const a = this.server.address() as AddressInfo;
    return `http://${a.address}:${a.port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const reply = (status: number, body: unknown): void => { res.writeHead(status, { 'content-type': 'application/json' }).end(`${JSON.stringify(body)}\n`); };
    try {
      const url = new URL(req.url ?? '/', 'http://control');
      if (req.method === 'GET' && url.pathname === '/status') return reply(200, this.peer.status());
      if (req.method === 'GET' && url.pathname.startsWith('/book/')) {
        const symbol = decodeURIComponent(url.pathname.slice('/book/'.length));
        const view: PeerBookView = { symbol, ...this.peer.bookOf(symbol).view() };
        return reply(200, view);
      }
      if (req.method === 'POST' && url.pathname === '/fault') {
        const f = parseBody(PeerFaultSchema, await readBody(req));
        const done = this.peer.inject(f);
        // Beside the ingest's own log, this says when each fault went in.
        this.log.info({ venue: this.peer.venue, fault: f, done }, 'fault injected');
        return reply(200, { ok: true, fault: f, done });
      }
      if (req.method === 'POST' && url.pathname === '/walk') {
        const w = parseBody(WalkSchema, await readBody(req));
        if (w.running) this.peer.run(w.intervalMs ?? (this.peer.status().intervalMs || 20));
        else this.peer.pause();
        this.log.info({ venue: this.peer.venue, walking: this.peer.walking }, w.running ? 'book walk running' : 'book walk paused');
        return reply(200, { ok: true, walking: this.peer.walking, intervalMs: this.peer.status().intervalMs });
      }
      return reply(404, { error: `no ${req.method} ${url.pathname}; try GET /status, GET /book/<symbol>, POST /fault, POST /walk` });
    } catch (err) {
      if (err instanceof PeerError) return reply(400, { error: err.message });
      return reply(500, { error: err instanceof Error ? err.message : String(err) });
    }
  }
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req) {
    body += String(chunk);
    if (body.length > MAX_BODY) throw new PeerError(`request body over ${MAX_BODY} bytes`);
  }
  return body;
}

function parseBody<T>(schema: z.ZodType<T>, body: string): T {
  let json: unknown;
  try { json = JSON.parse(body); } catch { throw new PeerError('request body is not JSON'); }
  const r = schema.safeParse(json);
  if (!r.success) throw new PeerError(r.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
  return r.data;
}

/** A control request the peer refused (HTTP 4xx): bad input, the caller's to fix. */
export class PeerRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PeerRefused';
  }
}

/** Talk to a peer's control surface from another process (the CLI, tests). */
export class PeerControlClient {
  private readonly base: string;
  constructor(controlUrl: string, private readonly timeoutMs = 5000) {
    this.base = controlUrl.replace(/\/+$/, '');
  }

  status(): Promise<PeerStatus> { return this.call('GET', '/status'); }
  book(symbol: string): Promise<PeerBookView> { return this.call('GET', `/book/${encodeURIComponent(symbol)}`); }
  fault(f: PeerFault): Promise<{ ok: true; fault: PeerFault; done: string }> { return this.call('POST', '/fault', f); }
  walk(w: Walk): Promise<{ ok: true; walking: boolean; intervalMs: number }> { return this.call('POST', '/walk', w); }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.base}${path}`, {
      method,
      ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const text = await res.text();
    let json: unknown;
    try { json = JSON.parse(text); } catch { throw new Error(`${method} ${this.base}${path}: HTTP ${res.status}, not JSON: ${text.slice(0, 200)}`); }
    if (res.status >= 400 && res.status < 500) throw new PeerRefused((json as { error?: string }).error ?? `HTTP ${res.status}`);
    if (!res.ok) throw new Error(`${method} ${this.base}${path}: HTTP ${res.status}: ${(json as { error?: string }).error ?? text.slice(0, 200)}`);
    return json as T;
  }
}
