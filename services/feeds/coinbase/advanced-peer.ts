/**
 * A local Coinbase Advanced Trade market-data peer (services/feeds/peer.ts): the `level2` and
 * `heartbeats` channels as Coinbase documents them. One channel per subscribe, each answered with
 * `subscriptions`; a level2 subscribe brings a `snapshot` per product, then `update` events; every
 * message on a connection is numbered by `sequence_num` from 0 across channels; prices and sizes
 * are printed without trailing zeros. A quiet connection subscribed to `heartbeats` hears one a
 * second (each numbered like any other message), which is what the feed's watchdog listens to.
 *
 * Venue faults: `lose-message` (the symbol's next change is a size change at the deepest level,
 * applied on the venue and given its sequence_num on every connection that carries the symbol,
 * but never sent: the client's book stays uncrossed and only the sequence shows the loss, which
 * resyncs every product on that connection) and `duplicate-message` (the next update is sent
 * twice with the same number). Prices 2 decimals, sizes 8, at most.
 */
import type { WebSocket } from 'ws';
import { PeerBook, VenuePeer, type PeerFaultKind, type Side, type VenuePeerOptions } from '../peer.js';

/** Per connection: Coinbase numbers messages per connection, not per product or channel. */
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

export class CoinbaseAdvancedPeer extends VenuePeer {
  readonly venue = 'coinbase-advanced';
  protected readonly venueFaults: readonly PeerFaultKind[] = ['lose-message', 'duplicate-message'];
  private readonly conns = new Map<WebSocket, Connection>();
  /** Messages numbered on a connection but never sent (lose-message), summed over connections. */
  lost = 0;
  private readonly loseNext = new Set<string>();
  private readonly duplicateNext = new Set<string>();

  constructor(opts: VenuePeerOptions = { symbols: ['BTC-USD'] }) {
    // Seed 23 for the first product by default, band 12 and fractional starting sizes, as before
    // this peer was a VenuePeer: the first snapshot shows all 8 size decimals (updates rarely
    // widen the format), and 3 levels a side always remain, so a deepest level to lose exists.
    super(opts, (seed) => new PeerBook(2, 8, seed + 12, { band: 12, trimZeros: true, fractionalStart: true, minLevels: 3 }));
  }

  /** Advanced Trade is Coinbase's other protocol, not another exchange. */
  override get exchange(): string { return 'COINBASE'; }

  feedConfig(): Record<string, unknown> {
    return { kind: 'coinbase-advanced-ws', url: this.wsUrl };
  }

  protected override onOpen(ws: WebSocket): void {
    this.conns.set(ws, { seq: 0, level2: new Set(), heartbeats: false, heartbeatCounter: 0 });
  }

  protected override onClose(ws: WebSocket): void {
    this.conns.delete(ws);
  }

  protected onClientMessage(ws: WebSocket, text: string): void {
    const c = this.conns.get(ws);
    const m = JSON.parse(text) as Request;
    if (!c || (m.type !== 'subscribe' && m.type !== 'unsubscribe')) return;
    const products = Array.isArray(m.product_ids) ? m.product_ids.filter((p): p is string => typeof p === 'string') : [];
    if (m.channel === 'heartbeats') {
      c.heartbeats = m.type === 'subscribe';
      this.send(ws, this.subscriptions(c));
      return;
    }
    if (m.channel !== 'level2') return;
    const unknown = products.filter((p) => !this.symbols.includes(p));
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
      const updates = [...book.levels('bid').map(([pr, q]) => level('bid', pr, q, true)), ...book.levels('ask').map(([pr, q]) => level('ask', pr, q, true))];
      const snap = this.message(c, 'l2_data', [{ type: 'snapshot', product_id: p, updates }]);
      if (this.dropMidSnapshot) {
        this.dropMidSnapshot = false;
        // Nothing more on a connection whose message is left half-sent.
        c.level2.clear();
        c.heartbeats = false;
        this.sendHalfThenDrop(ws, snap);
        return;
      }
      this.send(ws, snap);
    }
  }

  protected step(product: string, book: PeerBook): void {
    if (this.loseNext.delete(product)) {
      book.deepChange();
      // Numbered on every connection that would have carried it, so its next message shows the gap.
      for (const c of this.conns.values()) if (c.level2.has(product)) { c.seq++; this.lost++; }
      return;
    }
    const change = book.randomChange();
    const twice = this.duplicateNext.delete(product);
    for (const [ws, c] of this.conns) {
      if (!c.level2.has(product)) continue;
      const text = this.message(c, 'l2_data', [{ type: 'update', product_id: product, updates: [level(change.side, change.price, change.size)] }]);
      this.send(ws, text);
      if (twice) this.send(ws, text);
    }
  }

  protected keepAliveFrames(ws: WebSocket): string[] {
    const c = this.conns.get(ws);
    if (!c?.heartbeats) return [];
    return [this.message(c, 'heartbeats', [{ current_time: new Date().toISOString().replace('T', ' ').replace('Z', ' +0000 UTC'), heartbeat_counter: ++c.heartbeatCounter }])];
  }

  protected injectVenue(kind: PeerFaultKind, products: string[]): string {
    if (kind === 'duplicate-message') {
      for (const p of products) this.duplicateNext.add(p);
      return `${kind}: the next update of ${products.join(', ')} is sent twice with the same sequence_num`;
    }
    // Only 'lose-message' is left (VenuePeer checks venueFaults).
    for (const p of products) this.loseNext.add(p);
    return `${kind}: the next change of ${products.join(', ')} (a deep size change) is applied and numbered but never sent`;
  }

  private subscriptions(c: Connection): string {
    return this.message(c, 'subscriptions', [{ subscriptions: { ...(c.level2.size ? { level2: [...c.level2] } : {}), ...(c.heartbeats ? { heartbeats: ['heartbeats'] } : {}) } }]);
  }

  /** One message on a connection: it takes the connection's next sequence_num. */
  private message(c: Connection, channel: string, events: unknown[]): string {
    return JSON.stringify({ channel, client_id: '', timestamp: new Date().toISOString(), sequence_num: c.seq++, events });
  }
}

/** A level as Advanced Trade prints it; snapshot levels carry the epoch as their event time. */
function level(side: Side, price: string, size: string, snapshot = false): Record<string, string> {
  return { side: side === 'bid' ? 'bid' : 'offer', event_time: snapshot ? '1970-01-01T00:00:00Z' : new Date().toISOString(), price_level: price, new_quantity: size };
}
