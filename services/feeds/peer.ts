/**
 * Local venue peers: servers on 127.0.0.1 that speak one venue's public protocol for a few
 * symbols, keep their own book per symbol and random-walk it, and take faults on demand. A live
 * feed pointed at one (`--config FILE`, `dsm venue-peer serve`) must come back to the peer's own
 * book after every fault; the peer's book is the truth a test or an operator compares with.
 *
 * This module is the shared plumbing: the book a venue prints (`PeerBook`), the fault vocabulary
 * (`PeerFaultSchema`), and `VenuePeer`, which owns the HTTP + WebSocket server (the `ws`
 * package), the connections, the walk timer, keep-alives, stalls and disconnects. Each venue's
 * protocol lives beside its decoder in `<venue>/peer.ts`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { z } from 'zod';
import { parseScaled } from '../marketdata/decimal.js';
import type { Scaled } from '../marketdata/events.js';

export type Side = 'bid' | 'ask';
/** [price, size] as the venue prints them. */
export type PeerLevel = [string, string];

export interface PeerBookOptions {
  /** Mid price in ticks of 0.01 (default 10 000: 100.00). */
  mid?: number;
  /** Levels a side, and how far from the mid changes go (default 10). */
  band?: number;
  /** Print numbers without trailing zeros ("100", "21.5"), as Coinbase Advanced Trade does. */
  trimZeros?: boolean;
  /** Start sizes with a random fraction, so the first snapshot shows every decimal the walk uses. */
  fractionalStart?: boolean;
  /** Never delete a level from a side this short (default 0), so a deepest level always exists. */
  minLevels?: number;
}

/** "21921.30" -> "21921.3", "5.00000000" -> "5". */
function trimZeros(s: string): string {
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

/** A venue's book as the venue prints it: price string -> size string. */
export class PeerBook {
  readonly bids = new Map<string, string>();
  readonly asks = new Map<string, string>();
  private x: number;
  private readonly mid: number;
  private readonly band: number;
  private readonly trim: boolean;
  private readonly minLevels: number;
  constructor(private readonly priceDecimals: number, private readonly sizeDecimals: number, seed = 7, opts: PeerBookOptions = {}) {
    this.x = seed;
    this.mid = opts.mid ?? 10_000;
    this.band = opts.band ?? 10;
    this.trim = opts.trimZeros ?? false;
    this.minLevels = opts.minLevels ?? 0;
    // Without a fractional start no random number is drawn here: the default walk stays what it was.
    const frac = () => (opts.fractionalStart ? this.rnd() : 0);
    for (let i = 0; i < this.band; i++) {
      this.bids.set(this.price(this.mid - 1 - i), this.size(1 + i + frac()));
      this.asks.set(this.price(this.mid + i), this.size(2 + i + frac()));
    }
  }
  /** A small LCG: the walk is the same for the same seed, so a failing run can be repeated. */
  rnd(): number { return (this.x = (this.x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31; }
  price(ticks: number): string { const s = (ticks / 100).toFixed(this.priceDecimals); return this.trim ? trimZeros(s) : s; }
  size(n: number): string { const s = n.toFixed(this.sizeDecimals); return this.trim ? trimZeros(s) : s; }
  side(s: Side): Map<string, string> { return s === 'bid' ? this.bids : this.asks; }
  /** Best first. */
  levels(s: Side): PeerLevel[] {
    return [...this.side(s).entries()].sort((a, b) => (s === 'bid' ? Number(b[0]) - Number(a[0]) : Number(a[0]) - Number(b[0])));
  }
  best(s: Side): number | undefined { const l = this.levels(s)[0]; return l ? Number(l[0]) : undefined; }
  /** Set a level (size "0..." deletes), as the venue would. */
  apply(s: Side, price: string, size: string): void {
    if (Number(size) === 0) this.side(s).delete(price);
    else this.side(s).set(price, size);
  }
  /** One random change that keeps the book uncrossed and within `band` levels a side. */
  randomChange(): { side: Side; price: string; size: string } {
    for (;;) {
      const side: Side = this.rnd() < 0.5 ? 'bid' : 'ask';
      const ticks = side === 'bid' ? this.mid - 1 - Math.floor(this.rnd() * this.band) : this.mid + Math.floor(this.rnd() * this.band);
      const price = this.price(ticks);
      const other = this.best(side === 'bid' ? 'ask' : 'bid');
      if (other !== undefined && (side === 'bid' ? Number(price) >= other : Number(price) <= other)) continue;
      const has = this.side(side).has(price);
      // With minLevels 0 the length test is always true and draws nothing: the default walk is unchanged.
      const size = has && this.side(side).size > this.minLevels && this.rnd() < 0.3 ? this.size(0) : this.size(1 + Math.floor(this.rnd() * 50) + this.rnd());
      this.apply(side, price, size);
      return { side, price, size };
    }
  }
  /**
   * A new size at the deepest level of a side: nowhere near the touch, so a client that misses it
   * keeps an uncrossed book and only a sequence number can show the loss. Falls back to a random
   * change on a book with no level at all.
   */
  deepChange(): { side: Side; price: string; size: string } {
    let side: Side = this.rnd() < 0.5 ? 'bid' : 'ask';
    if (this.side(side).size === 0) side = side === 'bid' ? 'ask' : 'bid';
    const deepest = this.levels(side).at(-1);
    if (!deepest) return this.randomChange();
    const [price, old] = deepest;
    let size = old;
    while (size === old) size = this.size(1 + Math.floor(this.rnd() * 50) + this.rnd());
    this.apply(side, price, size);
    return { side, price, size };
  }
  /** Scaled levels, best first, for comparing with an L2Book's `top`. */
  scaled(s: Side, pd: number, sd: number): Array<[Scaled, Scaled]> {
    return this.levels(s).map(([p, q]) => [parseScaled(p, pd)!, parseScaled(q, sd)!]);
  }
  /** Both sides, best first, as the venue prints them (what `GET /book/<symbol>` answers). */
  view(): { bids: PeerLevel[]; asks: PeerLevel[] } {
    return { bids: this.levels('bid'), asks: this.levels('ask') };
  }
}

/**
 * What can be done to a peer. Which kinds a venue takes is its `venueFaults` plus the generic
 * ones; `symbol` defaults to every symbol the peer serves, `ms` bounds a stall (without it the
 * stall lasts until `resume`).
 */
export const PEER_FAULT_KINDS = [
  'bad-checksum',
  'skip-update-id',
  'lose-message',
  'duplicate-message',
  'cut-rest-snapshot',
  'disconnect-mid-snapshot',
  'disconnect',
  'stall',
  'resume',
] as const;
export type PeerFaultKind = (typeof PEER_FAULT_KINDS)[number];

export const PeerFaultSchema = z.object({
  kind: z.enum(PEER_FAULT_KINDS),
  symbol: z.string().min(1).max(64).optional(),
  ms: z.number().int().min(1).max(3_600_000).optional(),
}).strict();
export type PeerFault = z.infer<typeof PeerFaultSchema>;

/** The key of a fault's meaning on every peer (the generic faults). */
export const EVERY_PEER = '*';

/**
 * What each fault does, for `--help`, the runbook, `status` and a 400 answer: per venue (the
 * peer's `venue`) for a venue's own faults, since one kind can mean different things (a lost
 * message crosses the book on Coinbase's unsequenced level2, and only the sequence shows it on
 * Advanced Trade); under `EVERY_PEER` for the faults every peer takes.
 */
export const FAULT_MEANING: Record<PeerFaultKind, Readonly<Record<string, string>>> = {
  'bad-checksum': { kraken: 'the next book update of the symbol carries a wrong CRC32 checksum' },
  'skip-update-id': { binance: 'the next diff of the symbol is applied on the venue but never sent (its update id is skipped)' },
  'lose-message': {
    coinbase: 'the best ask\'s delete is never sent, then a bid is placed at that price (the client\'s book crosses)',
    'coinbase-advanced': 'the next change of the symbol (a size change at the deepest level, which never crosses the book) is applied on the venue and takes its sequence_num but is never sent',
  },
  'duplicate-message': { 'coinbase-advanced': 'the next update of the symbol is sent twice with the same sequence_num' },
  'cut-rest-snapshot': { binance: 'the next REST depth snapshot of the symbol stops half-way through the body, and an update id is skipped so the client asks for one now' },
  'disconnect-mid-snapshot': { [EVERY_PEER]: 'drop every connection; the next snapshot the peer sends (WebSocket, or REST for Binance) stops half-way and its connection is cut' },
  disconnect: { [EVERY_PEER]: 'drop every connection now' },
  stall: { [EVERY_PEER]: 'send nothing and answer nothing, connections kept open (for ms milliseconds, else until resume)' },
  resume: { [EVERY_PEER]: 'end a stall' },
};

/** What `kind` does on `venue`'s peer, or undefined if that peer does not take it. */
export function faultMeaning(kind: PeerFaultKind, venue: string): string | undefined {
  const m = FAULT_MEANING[kind];
  return m[venue] ?? m[EVERY_PEER];
}

/** A request the peer cannot take (unknown symbol, a fault this venue has no notion of): HTTP 400. */
export class PeerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PeerError';
  }
}

export interface VenuePeerOptions {
  symbols: string[];
  /** Seed of the first symbol's walk; the others follow it. */
  seed?: number;
}

export interface PeerStatus {
  venue: string;
  symbols: string[];
  url: string;
  restUrl?: string;
  /** Connections accepted since start, and open now. */
  connections: number;
  clients: number;
  walking: boolean;
  intervalMs: number;
  stalled: boolean;
  /** Book changes made on the venue per symbol. */
  changes: Record<string, number>;
  /** Faults taken, by kind. */
  faults: Partial<Record<PeerFaultKind, number>>;
  /** The faults this peer takes and what each does on this venue. */
  takes: Partial<Record<PeerFaultKind, string>>;
  restRequests: number;
}

/** Faults every peer takes, whatever its venue. */
const GENERIC_FAULTS: readonly PeerFaultKind[] = ['disconnect-mid-snapshot', 'disconnect', 'stall', 'resume'];

/** Keep-alive period: a quiet connection still hears the venue's heartbeat this often. */
const KEEPALIVE_MS = 1000;
/** Client messages kept for tests and `status` (a long-running peer must not grow without bound). */
const RECEIVED_KEPT = 1000;

export abstract class VenuePeer {
  abstract readonly venue: string;
  /** Faults this venue takes beyond the generic ones (stall, resume, disconnect, disconnect-mid-snapshot). */
  protected abstract readonly venueFaults: readonly PeerFaultKind[];
  readonly server = http.createServer((req, res) => this.onHttp(req, res));
  readonly wss = new WebSocketServer({ server: this.server });
  readonly clients = new Set<WebSocket>();
  /** The latest client messages (subscribe, unsubscribe, ...), oldest first. */
  readonly received: string[] = [];
  readonly symbols: string[];
  connections = 0;
  restRequests = 0;
  /** While true the peer sends nothing at all and ignores requests (a stalled venue). */
  stalled = false;
  /** The next snapshot sent is cut half-way and its connection dropped. */
  protected dropMidSnapshot = false;
  readonly faultCounts: Partial<Record<PeerFaultKind, number>> = {};
  private readonly books = new Map<string, PeerBook>();
  private readonly changes = new Map<string, number>();
  private readonly lastSent = new WeakMap<WebSocket, number>();
  private walkTimer: NodeJS.Timeout | undefined;
  private keepAliveTimer: NodeJS.Timeout | undefined;
  private stallTimer: NodeJS.Timeout | undefined;
  private intervalMs = 0;
  port = 0;

  constructor(opts: VenuePeerOptions, makeBook: (seed: number) => PeerBook) {
    if (opts.symbols.length === 0) throw new PeerError('a peer serves at least one symbol');
    this.symbols = [...new Set(opts.symbols)];
    this.symbols.forEach((s, i) => {
      this.books.set(s, makeBook((opts.seed ?? 11) + 2 * i));
      this.changes.set(s, 0);
    });
  }

  /** Listen on 127.0.0.1 (`port` 0 picks a free one). */
  async start(port = 0, host = '127.0.0.1'): Promise<this> {
    // ws re-emits the HTTP server's errors; the server's own listener below reports them.
    this.wss.on('error', () => undefined);
    this.wss.on('connection', (ws, req) => {
      this.connections++;
      this.clients.add(ws);
      this.lastSent.set(ws, Date.now());
      ws.on('close', () => { this.clients.delete(ws); this.onClose(ws); });
      // A client that goes away mid-send is the client's problem, not the peer's.
      ws.on('error', () => undefined);
      ws.on('message', (d) => {
        const text = d.toString();
        this.received.push(text);
        if (this.received.length > RECEIVED_KEPT) this.received.splice(0, this.received.length - RECEIVED_KEPT);
        if (this.stalled) return;
        try {
          this.onClientMessage(ws, text);
        } catch {
          // A frame the peer cannot parse is ignored, as a venue would (it may answer an error event).
        }
      });
      this.onOpen(ws, new URL(req.url ?? '/', 'http://peer'));
    });
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
    this.keepAliveTimer = setInterval(() => this.keepAlive(), KEEPALIVE_MS / 4);
    return this;
  }

  get wsUrl(): string { return `ws://127.0.0.1:${this.port}`; }
  get httpUrl(): string { return `http://127.0.0.1:${this.port}`; }

  /** The symbol's book on the venue (PeerError for a symbol the peer does not serve). */
  bookOf(symbol: string): PeerBook {
    const b = this.books.get(this.canonical(symbol));
    if (!b) throw new PeerError(`unknown symbol "${symbol}"; this ${this.venue} peer serves ${this.symbols.join(', ')}`);
    return b;
  }

  /** Random-walk every symbol's book every `ms`, sending each change to subscribed clients. */
  run(ms = 5): void {
    this.pause();
    this.intervalMs = ms;
    this.walkTimer = setInterval(() => { if (!this.stalled) this.walkOnce(); }, ms);
  }
  /** One change to every symbol's book now, as the walk makes each interval (a test steps by hand). */
  walkOnce(): void {
    for (const s of this.symbols) {
      this.changes.set(s, this.changes.get(s)! + 1);
      this.step(s, this.bookOf(s));
    }
  }
  pause(): void { clearInterval(this.walkTimer); this.walkTimer = undefined; }
  get walking(): boolean { return this.walkTimer !== undefined; }

  async stop(): Promise<void> {
    this.pause();
    clearInterval(this.keepAliveTimer);
    clearTimeout(this.stallTimer);
    for (const c of this.clients) c.terminate();
    await new Promise((r) => this.wss.close(r));
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }

  /** Every fault this peer takes: its venue's own, then the ones every peer takes. */
  get faultKinds(): PeerFaultKind[] {
    return [...this.venueFaults, ...GENERIC_FAULTS];
  }

  takes(kind: PeerFaultKind): boolean {
    return this.faultKinds.includes(kind);
  }

  /** What a fault this peer takes does on this venue (FAULT_MEANING). */
  faultMeaning(kind: PeerFaultKind): string | undefined {
    return this.takes(kind) ? faultMeaning(kind, this.venue) : undefined;
  }

  /** Take a fault now; returns what was done, in words. */
  inject(fault: PeerFault): string {
    const parsed = PeerFaultSchema.safeParse(fault);
    if (!parsed.success) throw new PeerError(parsed.error.issues.map((i) => `${i.path.join('.') || 'fault'}: ${i.message}`).join('; '));
    const f = parsed.data;
    if (!this.takes(f.kind)) {
      throw new PeerError(`a ${this.venue} peer takes no "${f.kind}" fault (${Object.keys(FAULT_MEANING[f.kind]).join(', ')} only); it takes ${this.faultKinds.join(', ')}`);
    }
    if (f.symbol !== undefined) this.bookOf(f.symbol);
    const symbols = f.symbol !== undefined ? [this.canonical(f.symbol)] : this.symbols;
    this.faultCounts[f.kind] = (this.faultCounts[f.kind] ?? 0) + 1;
    switch (f.kind) {
      case 'stall':
        this.stalled = true;
        clearTimeout(this.stallTimer);
        if (f.ms !== undefined) this.stallTimer = setTimeout(() => { this.stalled = false; }, f.ms);
        return `stalled${f.ms !== undefined ? ` for ${f.ms} ms` : ' until resume'}: nothing sent or answered, ${this.clients.size} connection(s) kept open`;
      case 'resume':
        clearTimeout(this.stallTimer);
        this.stalled = false;
        return 'resumed';
      case 'disconnect': {
        const n = this.clients.size;
        for (const c of this.clients) c.terminate();
        return `dropped ${n} connection(s)`;
      }
      case 'disconnect-mid-snapshot':
        return this.disconnectMidSnapshot(symbols);
      default:
        return this.injectVenue(f.kind, symbols);
    }
  }

  status(): PeerStatus {
    return {
      venue: this.venue,
      symbols: this.symbols,
      url: this.wsUrl,
      ...(this.restUrl ? { restUrl: this.restUrl } : {}),
      connections: this.connections,
      clients: this.clients.size,
      walking: this.walking,
      intervalMs: this.intervalMs,
      stalled: this.stalled,
      changes: Object.fromEntries(this.changes),
      faults: { ...this.faultCounts },
      takes: Object.fromEntries(this.faultKinds.map((k) => [k, this.faultMeaning(k) ?? ''])),
      restRequests: this.restRequests,
    };
  }

  /** The exchange a config names this venue (the default of the printed `exchanges[]` entry). */
  get exchange(): string { return this.venue.toUpperCase(); }

  /** The venue's own spelling of a symbol (Binance: upper case). */
  protected canonical(symbol: string): string { return symbol; }

  /** The REST base URL, for venues that have one. */
  get restUrl(): string | undefined { return undefined; }

  /** The `exchanges[].feed` entry that points a live feed at this peer (config input form). */
  abstract feedConfig(): Record<string, unknown>;

  /** Send one frame to one client (never while stalled), noting when it last heard from us. */
  protected send(ws: WebSocket, frame: string): void {
    if (this.stalled || ws.readyState !== ws.OPEN) return;
    this.lastSent.set(ws, Date.now());
    ws.send(frame);
  }

  /** Send the first half of a frame as a non-final WebSocket fragment, then cut the connection. */
  protected sendHalfThenDrop(ws: WebSocket, frame: string): void {
    this.lastSent.set(ws, Date.now());
    ws.send(frame.slice(0, frame.length >> 1), { fin: false }, () => setTimeout(() => ws.terminate(), 20));
  }

  /** Arm a cut snapshot and drop the connections so that clients ask for one now. */
  protected disconnectMidSnapshot(_symbols: string[]): string {
    this.dropMidSnapshot = true;
    const n = this.clients.size;
    for (const c of this.clients) c.terminate();
    return `dropped ${n} connection(s); the next snapshot is cut half-way`;
  }

  /** Whoever the peer has not sent anything for a second hears the venue's keep-alive. */
  private keepAlive(): void {
    if (this.stalled) return;
    const now = Date.now();
    for (const ws of this.clients) {
      if (ws.readyState === ws.OPEN && now - (this.lastSent.get(ws) ?? 0) >= KEEPALIVE_MS) {
        const frames = this.keepAliveFrames(ws);
        this.lastSent.set(ws, now);
        for (const f of frames) ws.send(f);
      }
    }
  }

  protected onOpen(_ws: WebSocket, _url: URL): void {}
  protected onClose(_ws: WebSocket): void {}
  protected onHttp(_req: http.IncomingMessage, res: http.ServerResponse): void { res.writeHead(404).end(); }
  protected abstract onClientMessage(ws: WebSocket, text: string): void;
  /** One change to the symbol's book on the venue, sent (or not, under a fault) to its subscribers. */
  protected abstract step(symbol: string, book: PeerBook): void;
  /** The venue's own way of saying "still here" on a quiet connection. */
  protected abstract keepAliveFrames(ws: WebSocket): string[];
  protected abstract injectVenue(kind: PeerFaultKind, symbols: string[]): string;
}
