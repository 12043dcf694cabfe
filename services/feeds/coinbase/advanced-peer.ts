/**
 * A local Coinbase Advanced Trade market-data peer on 127.0.0.1: it speaks the `level2` and
 * `heartbeats` channels as Coinbase documents them (one channel per subscribe, a `subscriptions`
 * answer, a snapshot per product, then `update` events; every message on a connection numbered by
 * `sequence_num` from 0 across channels; prices and sizes printed without trailing zeros), keeps
 * its own book per product and random-walks it. A live feed pointed at it must come back to the
 * peer's book after every fault; the peer's book is the truth a test compares with.
 *
 * Faults: `loseNext` (the next change of a product is a size change deep in the book, applied on
 * the venue and given its sequence number, but never sent: the client's book stays uncrossed and
 * only the sequence shows the loss), `duplicateNext` (the next update is sent twice, same number),
 * `stalled` (nothing sent or answered, connections kept open), `dropMidSnapshot` (the next
 * snapshot stops half-way and its connection is cut), `disconnect()`.
 */
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { parseScaled } from '../../marketdata/decimal.js';
import type { Scaled, Side } from '../../marketdata/events.js';

type Level = [price: string, size: string];

/** Coinbase's number style: no trailing zeros ("21921.3", "0.02", "5"). */
function trim(s: string): string {
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

/** A product's book as the venue prints it: price string -> size string. Deterministic walk per seed. */
export class AdvancedPeerBook {
  readonly bids = new Map<string, string>();
  readonly asks = new Map<string, string>();
  private x: number;
  constructor(seed: number, private readonly mid = 10_000, private readonly band = 12) {
    this.x = seed;
    for (let i = 0; i < band; i++) {
      this.bids.set(this.price(mid - 1 - i), this.size(1 + i + this.rnd()));
      this.asks.set(this.price(mid + i), this.size(2 + i + this.rnd()));
    }
  }
  /** A small LCG: the same seed gives the same walk, so a failing run can be repeated. */
  rnd(): number { return (this.x = (this.x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31; }
  price(ticks: number): string { return trim((ticks / 100).toFixed(2)); }
  size(n: number): string { return trim(n.toFixed(8)); }
  side(s: Side): Map<string, string> { return s === 'bid' ? this.bids : this.asks; }
  /** Best first. */
  levels(s: Side): Level[] {
    return [...this.side(s).entries()].sort((a, b) => (s === 'bid' ? Number(b[0]) - Number(a[0]) : Number(a[0]) - Number(b[0])));
  }
  best(s: Side): number | undefined { const l = this.levels(s)[0]; return l ? Number(l[0]) : undefined; }
  /** Set a level ("0" deletes), as the venue would. */
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
      // Keep a few levels a side, so a deep level always exists.
      const has = this.side(side).has(price);
      const size = has && this.side(side).size > 3 && this.rnd() < 0.3 ? '0' : this.size(1 + Math.floor(this.rnd() * 50) + this.rnd());
      this.apply(side, price, size);
      return { side, price, size };
    }
  }
  /** A new size at the deepest level of a side: nowhere near the touch, so losing it never crosses the book. */
  deepChange(): { side: Side; price: string; size: string } {
    const side: Side = this.rnd() < 0.5 ? 'bid' : 'ask';
    const [price, old] = this.levels(side).at(-1)!;
    let size = old;
    while (size === old) size = this.size(1 + Math.floor(this.rnd() * 50) + this.rnd());
    this.apply(side, price, size);
    return { side, price, size };
  }
  /** Scaled levels, best first, for comparing with an L2Book's `top`. */
  scaled(s: Side, pd: number, sd: number): Array<[Scaled, Scaled]> {
    return this.levels(s).map(([p, q]) => [parseScaled(p, pd)!, parseScaled(q, sd)!]);
  }
}

interface Connection {
  /** The next sequence_num on this connection. */
  seq: number;
  level2: Set<string>;
  heartbeats: boolean;
  heartbeatCounter: number;
}

interface Request {
  type?: unknown;
  channel?: unknown;
  product_ids?: unknown;
}

export class CoinbaseAdvancedPeer {
  readonly products: string[];
  readonly clients = new Map<WebSocket, Connection>();
  /** Client messages, oldest first. */
  readonly received: string[] = [];
  connections = 0;
  /** Messages given a sequence number but never sent (loseNext). */
  lost = 0;
  /** While true the peer sends nothing and ignores requests (a stalled venue). */
  stalled = false;
  /** The next snapshot is cut half-way and its connection dropped. */
  dropMidSnapshot = false;
  /** The next update of this product (any product: '*') is sent twice with the same sequence_num. */
  duplicateNext: string | undefined;
  private loseFor: string | undefined;
  private wss: WebSocketServer | undefined;
  private readonly books = new Map<string, AdvancedPeerBook>();
  private walkTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private readonly heartbeatMs: number;
  port = 0;

  constructor(opts: { products?: string[]; seed?: number; heartbeatMs?: number } = {}) {
    this.products = opts.products ?? ['BTC-USD'];
    this.products.forEach((p, i) => this.books.set(p, new AdvancedPeerBook((opts.seed ?? 23) + 2 * i)));
    this.heartbeatMs = opts.heartbeatMs ?? 1000;
  }

  async start(port = 0): Promise<this> {
    const wss = new WebSocketServer({ host: '127.0.0.1', port });
    this.wss = wss;
    wss.on('connection', (ws) => {
      this.connections++;
      this.clients.set(ws, { seq: 0, level2: new Set(), heartbeats: false, heartbeatCounter: 0 });
      ws.on('close', () => this.clients.delete(ws));
      ws.on('error', () => undefined);
      ws.on('message', (d) => {
        const text = d.toString();
        this.received.push(text);
        if (!this.stalled) this.onRequest(ws, text);
      });
    });
    await new Promise<void>((resolve, reject) => {
      wss.once('listening', resolve);
      wss.once('error', reject);
    });
    this.port = (wss.address() as AddressInfo).port;
    this.heartbeatTimer = setInterval(() => this.heartbeats(), this.heartbeatMs);
    return this;
  }

  get wsUrl(): string { return `ws://127.0.0.1:${this.port}`; }

  bookOf(product: string): AdvancedPeerBook {
    const b = this.books.get(product);
    if (!b) throw new Error(`this peer serves ${this.products.join(', ')}, not ${product}`);
    return b;
  }

  /** Random-walk every product's book every `ms`, sending each change to its subscribers. */
  run(ms = 5): void {
    this.pause();
    this.walkTimer = setInterval(() => { if (!this.stalled) this.step(); }, ms);
  }
  pause(): void { clearInterval(this.walkTimer); this.walkTimer = undefined; }

  /** One change per product. */
  step(): void {
    for (const p of this.products) {
      const book = this.bookOf(p);
      if (this.loseFor === p || this.loseFor === '*') {
        this.loseFor = undefined;
        book.deepChange();
        // Numbered on every connection that would have carried it, so the next message shows the gap.
        for (const c of this.clients.values()) if (c.level2.has(p)) { c.seq++; this.lost++; }
        continue;
      }
      const change = book.randomChange();
      const twice = this.duplicateNext === p || this.duplicateNext === '*';
      if (twice) this.duplicateNext = undefined;
      for (const [ws, c] of this.clients) {
        if (!c.level2.has(p)) continue;
        const text = this.message(c, 'l2_data', [{ type: 'update', product_id: p, updates: [this.level(change.side, change.price, change.size)] }]);
        this.send(ws, text);
        if (twice) this.send(ws, text);
      }
    }
  }

  /** Lose the next change of `product` (default: of the first product served). */
  loseNext(product = this.products[0]!): void {
    this.bookOf(product);
    this.loseFor = product;
  }

  disconnect(): number {
    const n = this.clients.size;
    for (const ws of this.clients.keys()) ws.terminate();
    return n;
  }

  async stop(): Promise<void> {
    this.pause();
    clearInterval(this.heartbeatTimer);
    for (const ws of this.clients.keys()) ws.terminate();
    await new Promise((r) => this.wss?.close(r));
  }

  private onRequest(ws: WebSocket, text: string): void {
    const c = this.clients.get(ws);
    let m: Request;
    try {
      m = JSON.parse(text) as Request;
    } catch {
      return; // Coinbase drops what it cannot read
    }
    if (!c || (m.type !== 'subscribe' && m.type !== 'unsubscribe')) return;
    const products = Array.isArray(m.product_ids) ? m.product_ids.filter((p): p is string => typeof p === 'string') : [];
    if (m.channel === 'heartbeats') {
      c.heartbeats = m.type === 'subscribe';
      this.send(ws, this.subscriptions(c));
      return;
    }
    if (m.channel !== 'level2') return;
    const unknown = products.filter((p) => !this.books.has(p));
    if (unknown.length) {
      this.send(ws, JSON.stringify({ type: 'error', message: `failure to subscribe: ${unknown.join(', ')}` }));
      return;
    }
    if (m.type === 'unsubscribe') {
      for (const p of products) c.level2.delete(p);
      this.send(ws, this.subscriptions(c));
      return;
    }
    for (const p of products) c.level2.add(p);
    this.send(ws, this.subscriptions(c));
    for (const p of products) {
      const book = this.bookOf(p);
      const updates = [...book.levels('bid').map(([pr, q]) => this.level('bid', pr, q, true)), ...book.levels('ask').map(([pr, q]) => this.level('ask', pr, q, true))];
      const snap = this.message(c, 'l2_data', [{ type: 'snapshot', product_id: p, updates }]);
      if (this.dropMidSnapshot) {
        this.dropMidSnapshot = false;
        ws.send(snap.slice(0, snap.length >> 1), { fin: false }, () => setTimeout(() => ws.terminate(), 20));
        return;
      }
      this.send(ws, snap);
    }
  }

  private heartbeats(): void {
    if (this.stalled) return;
    for (const [ws, c] of this.clients) {
      if (!c.heartbeats) continue;
      this.send(ws, this.message(c, 'heartbeats', [{ current_time: new Date().toISOString().replace('T', ' ').replace('Z', ' +0000 UTC'), heartbeat_counter: ++c.heartbeatCounter }]));
    }
  }

  private subscriptions(c: Connection): string {
    return this.message(c, 'subscriptions', [{ subscriptions: { ...(c.level2.size ? { level2: [...c.level2] } : {}), ...(c.heartbeats ? { heartbeats: ['heartbeats'] } : {}) } }]);
  }

  /** One message on a connection: takes the connection's next sequence_num. */
  private message(c: Connection, channel: string, events: unknown[]): string {
    return JSON.stringify({ channel, client_id: '', timestamp: new Date().toISOString(), sequence_num: c.seq++, events });
  }

  private level(side: Side, price: string, size: string, snapshot = false): Record<string, string> {
    return { side: side === 'bid' ? 'bid' : 'offer', event_time: snapshot ? '1970-01-01T00:00:00Z' : new Date().toISOString(), price_level: price, new_quantity: size };
  }

  private send(ws: WebSocket, text: string): void {
    if (!this.stalled && ws.readyState === ws.OPEN) ws.send(text);
  }
}
