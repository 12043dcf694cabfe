/**
 * Local stand-ins for venue servers, speaking each venue's public protocol on 127.0.0.1 (free
 * port): Kraken WS v1 book (with real CRC32 checksums), Coinbase Exchange level2, Binance diff
 * depth stream plus its REST depth endpoint. Each peer keeps its own book and random-walks it;
 * faults are injected on demand: a bad checksum, a skipped update id, a lost message, a stall
 * without close, a disconnect in the middle of a snapshot. The peer's own book is the truth a
 * test compares the live source with.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { krakenChecksum } from '../../services/feeds/kraken/checksum.js';
import { parseScaled } from '../../services/marketdata/decimal.js';
import type { Scaled } from '../../services/marketdata/events.js';

export type Side = 'bid' | 'ask';
type Lv = [string, string];

/** A venue's book as the venue prints it: price string -> size string. */
export class PeerBook {
  readonly bids = new Map<string, string>();
  readonly asks = new Map<string, string>();
  private x: number;
  constructor(private readonly priceDecimals: number, private readonly sizeDecimals: number, seed = 7, private readonly mid = 10_000, private readonly band = 10) {
    this.x = seed;
    for (let i = 0; i < band; i++) {
      this.bids.set(this.price(mid - 1 - i), this.size(1 + i));
      this.asks.set(this.price(mid + i), this.size(2 + i));
    }
  }
  rnd(): number { return (this.x = (this.x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31; }
  price(ticks: number): string { return (ticks / 100).toFixed(this.priceDecimals); }
  size(n: number): string { return n.toFixed(this.sizeDecimals); }
  side(s: Side): Map<string, string> { return s === 'bid' ? this.bids : this.asks; }
  /** Best first. */
  levels(s: Side): Lv[] {
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
      const size = has && this.rnd() < 0.3 ? this.size(0) : this.size(1 + Math.floor(this.rnd() * 50) + this.rnd());
      this.apply(side, price, size);
      return { side, price, size };
    }
  }
  /** Scaled levels, best first, for comparing with an L2Book's `top`. */
  scaled(s: Side, pd: number, sd: number): Array<[Scaled, Scaled]> {
    return this.levels(s).map(([p, q]) => [parseScaled(p, pd)!, parseScaled(q, sd)!]);
  }
}

abstract class WsPeer {
  readonly server = http.createServer((req, res) => this.onHttp(req, res));
  readonly wss = new WebSocketServer({ server: this.server });
  readonly clients = new Set<WebSocket>();
  readonly received: string[] = [];
  connections = 0;
  /** While true the peer sends nothing at all and ignores requests (a stalled venue). */
  stalled = false;
  /** Next subscription answer: send part of the snapshot, then drop the connection. */
  dropMidSnapshot = false;
  private timer: NodeJS.Timeout | undefined;
  port = 0;

  async start(): Promise<this> {
    this.wss.on('connection', (ws) => {
      this.connections++;
      this.clients.add(ws);
      ws.on('close', () => this.clients.delete(ws));
      ws.on('message', (d) => {
        const text = d.toString();
        this.received.push(text);
        if (!this.stalled) this.onClientMessage(ws, text);
      });
      this.onOpen(ws);
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', () => r()));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }
  get wsUrl(): string { return `ws://127.0.0.1:${this.port}`; }
  get httpUrl(): string { return `http://127.0.0.1:${this.port}`; }

  /** Random-walk the book every `ms`, sending each change to subscribed clients. */
  run(ms = 5): void { this.timer = setInterval(() => { if (!this.stalled) this.step(); }, ms); }
  pause(): void { clearInterval(this.timer); this.timer = undefined; }
  async stop(): Promise<void> {
    this.pause();
    for (const c of this.clients) c.terminate();
    await new Promise((r) => this.wss.close(r));
    await new Promise((r) => this.server.close(r));
  }
  protected broadcast(frame: string): void {
    for (const c of this.clients) if (c.readyState === c.OPEN) c.send(frame);
  }
  /** Send the first half of a frame as a non-final WebSocket fragment, then cut the connection. */
  protected sendHalfThenDrop(ws: WebSocket, frame: string): void {
    ws.send(frame.slice(0, frame.length >> 1), { fin: false }, () => setTimeout(() => ws.terminate(), 20));
  }
  protected onOpen(_ws: WebSocket): void {}
  protected onHttp(_req: http.IncomingMessage, res: http.ServerResponse): void { res.writeHead(404).end(); }
  protected abstract onClientMessage(ws: WebSocket, text: string): void;
  abstract step(): void;
}

/** Kraken WS v1, one pair, depth 10, prices 2 decimals, volumes 8, checksums on every update. */
export class KrakenPeer extends WsPeer {
  readonly book = new PeerBook(2, 8, 11);
  readonly subscribed = new Set<WebSocket>();
  corruptNextChecksum = false;
  constructor(readonly pair = 'XBT/USD', readonly depth = 10) { super(); }

  protected onClientMessage(ws: WebSocket, text: string): void {
    const m = JSON.parse(text) as { event: string; pair: string[] };
    if (m.event === 'unsubscribe') {
      this.subscribed.delete(ws);
      ws.send(JSON.stringify({ event: 'subscriptionStatus', status: 'unsubscribed', pair: this.pair, channelName: `book-${this.depth}` }));
    } else if (m.event === 'subscribe') {
      ws.send(JSON.stringify({ event: 'subscriptionStatus', status: 'subscribed', pair: this.pair, channelName: `book-${this.depth}` }));
      const snap = JSON.stringify([1, { as: this.book.levels('ask').map(lv), bs: this.book.levels('bid').map(lv) }, `book-${this.depth}`, this.pair]);
      if (this.dropMidSnapshot) {
        this.dropMidSnapshot = false;
        this.sendHalfThenDrop(ws, snap);
        return;
      }
      ws.send(snap);
      this.subscribed.add(ws);
    }
  }
  step(): void {
    const c = this.book.randomChange();
    let checksum = krakenChecksum(this.book.levels('ask').slice(0, 10), this.book.levels('bid').slice(0, 10));
    if (this.corruptNextChecksum) {
      this.corruptNextChecksum = false;
      checksum = String((Number(checksum) + 1) % 2 ** 32);
    }
    const frame = JSON.stringify([1, { [c.side === 'bid' ? 'b' : 'a']: [lv([c.price, c.size])], c: checksum }, `book-${this.depth}`, this.pair]);
    for (const ws of this.subscribed) if (ws.readyState === ws.OPEN) ws.send(frame);
  }
  heartbeat(): void { this.broadcast('{"event":"heartbeat"}'); }
}

function lv([p, q]: Lv): [string, string, string] {
  return [p, q, '1618678123.481570'];
}

/** Coinbase Exchange level2 (snapshot + l2update), one product. */
export class CoinbasePeer extends WsPeer {
  readonly book = new PeerBook(2, 8, 13);
  readonly subscribed = new Set<WebSocket>();
  constructor(readonly product = 'BTC-USD') { super(); }

  protected onClientMessage(ws: WebSocket, text: string): void {
    const m = JSON.parse(text) as { type: string; channels: string[] };
    if (m.type === 'unsubscribe') {
      this.subscribed.delete(ws);
      ws.send(JSON.stringify({ type: 'subscriptions', channels: [] }));
    } else if (m.type === 'subscribe') {
      ws.send(JSON.stringify({ type: 'subscriptions', channels: m.channels.map((name) => ({ name, product_ids: [this.product] })) }));
      ws.send(JSON.stringify({ type: 'snapshot', product_id: this.product, bids: this.book.levels('bid'), asks: this.book.levels('ask') }));
      this.subscribed.add(ws);
    }
  }
  private send(changes: Array<{ side: Side; price: string; size: string }>): void {
    const frame = JSON.stringify({ type: 'l2update', product_id: this.product, changes: changes.map((c) => [c.side === 'bid' ? 'buy' : 'sell', c.price, c.size]), time: new Date().toISOString() });
    for (const ws of this.subscribed) if (ws.readyState === ws.OPEN) ws.send(frame);
  }
  step(): void { this.send([this.book.randomChange()]); }
  /**
   * Lose one message: the best ask is deleted on the venue but the l2update never reaches the
   * client; then a bid is placed at that price (legal on the venue, crossed in the client's book).
   */
  loseBestAskDelete(): void {
    const [price] = this.book.levels('ask')[0]!;
    this.book.apply('ask', price, this.book.size(0));
    const bid = { side: 'bid' as const, price, size: this.book.size(3) };
    this.book.apply('bid', bid.price, bid.size);
    this.send([bid]);
  }
}

/** Binance spot: combined diff-depth stream on /stream and GET /api/v3/depth on the same port. */
export class BinancePeer extends WsPeer {
  readonly book = new PeerBook(8, 8, 17);
  /** Last update id applied to the venue book. */
  updateId = 1000;
  skipNext = false;
  /** Next REST snapshot: write half the body, then destroy the socket. */
  cutNextRest = false;
  restRequests = 0;
  constructor(readonly symbol = 'BTCUSDT') { super(); }

  protected onClientMessage(): void {}
  protected override onHttp(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== '/api/v3/depth' || url.searchParams.get('symbol') !== this.symbol) { res.writeHead(404).end(); return; }
    this.restRequests++;
    if (this.stalled) return; // never answers
    const body = JSON.stringify({ lastUpdateId: this.updateId, bids: this.book.levels('bid'), asks: this.book.levels('ask') });
    if (this.cutNextRest) {
      this.cutNextRest = false;
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(body.length) });
      res.write(body.slice(0, body.length >> 1), () => setTimeout(() => res.socket?.destroy(), 20));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
  }
  step(): void {
    const c = this.book.randomChange();
    const first = ++this.updateId;
    if (this.skipNext) {
      this.skipNext = false;
      return; // applied on the venue, never sent: the next event's U skips this id
    }
    const s = this.symbol.toLowerCase();
    this.broadcast(JSON.stringify({ stream: `${s}@depth@100ms`, data: { e: 'depthUpdate', E: Date.now(), s: this.symbol, U: first, u: this.updateId, b: c.side === 'bid' ? [[c.price, c.size]] : [], a: c.side === 'ask' ? [[c.price, c.size]] : [] } }));
  }
}
