/**
 * A local Binance spot peer (services/feeds/peer.ts): the combined diff-depth stream
 * (`/stream?streams=<sym>@depth@100ms/...`, each connection gets the symbols it named) and the REST
 * depth snapshot (`GET /api/v3/depth?symbol=&limit=`) on the same port, with one update-id line
 * per symbol. A quiet connection hears each of its symbols' bookTicker once a second, so a client
 * watchdog can tell a paused market from a dead connection.
 * Venue faults: `skip-update-id`, `cut-rest-snapshot`; `disconnect-mid-snapshot` cuts the REST
 * snapshot the reconnecting client fetches. Prices and sizes 8 decimals.
 */
import type http from 'node:http';
import type { WebSocket } from 'ws';
import { PeerBook, VenuePeer, type PeerFaultKind, type VenuePeerOptions } from '../peer.js';

export class BinancePeer extends VenuePeer {
  readonly venue = 'binance';
  protected readonly venueFaults: readonly PeerFaultKind[] = ['skip-update-id', 'cut-rest-snapshot'];
  /** Last update id applied to each symbol's venue book. */
  private readonly updateIds = new Map<string, number>();
  private readonly skip = new Set<string>();
  private readonly cutRest = new Set<string>();
  /** Per connection: the symbols its URL asked for. */
  private readonly streams = new Map<WebSocket, Set<string>>();

  constructor(opts: VenuePeerOptions = { symbols: ['BTCUSDT'] }) {
    // Binance spells symbols upper-case in frames and REST.
    super({ ...opts, symbols: opts.symbols.map((s) => s.toUpperCase()) }, (seed) => new PeerBook(8, 8, seed + 6));
    for (const s of this.symbols) this.updateIds.set(s, 1000);
  }

  override get restUrl(): string { return this.httpUrl; }

  protected override canonical(symbol: string): string { return symbol.toUpperCase(); }

  feedConfig(): Record<string, unknown> {
    return { kind: 'binance-ws', url: this.wsUrl, restUrl: this.httpUrl };
  }

  updateId(symbol: string): number {
    this.bookOf(symbol);
    return this.updateIds.get(this.canonical(symbol))!;
  }

  protected override onOpen(ws: WebSocket, url: URL): void {
    const named = url.searchParams.get('streams');
    // Without a combined-stream query, every symbol (lenient: a raw /ws connection).
    const wanted = named === null ? this.symbols : named.split('/').map((s) => s.split('@')[0]!.toUpperCase()).filter((s) => this.symbols.includes(s));
    this.streams.set(ws, new Set(wanted));
  }

  protected override onClose(ws: WebSocket): void {
    this.streams.delete(ws);
  }

  protected onClientMessage(): void {
    // Subscriptions are in the URL; SUBSCRIBE/UNSUBSCRIBE requests are not needed by the live feed.
  }

  protected override onHttp(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://peer');
    if (url.pathname !== '/api/v3/depth') { res.writeHead(404, { 'content-type': 'application/json' }).end('{"code":-1,"msg":"not found"}'); return; }
    const symbol = url.searchParams.get('symbol') ?? '';
    if (!this.symbols.includes(symbol)) { res.writeHead(400, { 'content-type': 'application/json' }).end('{"code":-1121,"msg":"Invalid symbol."}'); return; }
    this.restRequests++;
    if (this.stalled) return; // never answers
    const limit = Math.max(1, Number(url.searchParams.get('limit') ?? 100) || 100);
    const book = this.bookOf(symbol);
    const body = JSON.stringify({ lastUpdateId: this.updateIds.get(symbol), bids: book.levels('bid').slice(0, limit), asks: book.levels('ask').slice(0, limit) });
    if (this.cutRest.delete(symbol)) {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(body.length) });
      res.write(body.slice(0, body.length >> 1), () => setTimeout(() => res.socket?.destroy(), 20));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
  }

  protected step(symbol: string, book: PeerBook): void {
    const c = book.randomChange();
    const first = this.updateIds.get(symbol)! + 1;
    this.updateIds.set(symbol, first);
    // Applied on the venue, never sent: the next event's U skips this id.
    if (this.skip.delete(symbol)) return;
    const s = symbol.toLowerCase();
    const frame = JSON.stringify({ stream: `${s}@depth@100ms`, data: { e: 'depthUpdate', E: Date.now(), s: symbol, U: first, u: first, b: c.side === 'bid' ? [[c.price, c.size]] : [], a: c.side === 'ask' ? [[c.price, c.size]] : [] } });
    for (const [ws, wanted] of this.streams) if (wanted.has(symbol)) this.send(ws, frame);
  }

  protected keepAliveFrames(ws: WebSocket): string[] {
    return [...(this.streams.get(ws) ?? [])].map((symbol) => {
      const book = this.bookOf(symbol);
      const [bid] = book.levels('bid');
      const [ask] = book.levels('ask');
      return JSON.stringify({ stream: `${symbol.toLowerCase()}@bookTicker`, data: { u: this.updateIds.get(symbol), s: symbol, b: bid?.[0] ?? '0', B: bid?.[1] ?? '0', a: ask?.[0] ?? '0', A: ask?.[1] ?? '0' } });
    });
  }

  protected injectVenue(kind: PeerFaultKind, symbols: string[]): string {
    if (kind === 'cut-rest-snapshot') {
      for (const s of symbols) { this.cutRest.add(s); this.skip.add(s); }
      return `${kind}: ${symbols.join(', ')} skip an update id and the REST snapshot fetched for it stops half-way`;
    }
    for (const s of symbols) this.skip.add(s);
    return `${kind}: the next diff of ${symbols.join(', ')} is never sent`;
  }

  protected override disconnectMidSnapshot(symbols: string[]): string {
    for (const s of symbols) this.cutRest.add(s);
    const n = this.clients.size;
    for (const c of this.clients) c.terminate();
    return `dropped ${n} connection(s); the next REST snapshot of ${symbols.join(', ')} stops half-way`;
  }
}
