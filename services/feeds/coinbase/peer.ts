/**
 * A local Coinbase Exchange peer (services/feeds/peer.ts), legacy level2 protocol: `subscribe` is
 * answered with `subscriptions` and a `snapshot` per product, changes go out as `l2update`, and a
 * quiet connection subscribed to the heartbeat channel hears a `heartbeat` per product once a
 * second. Level2 carries no sequence, so the venue fault `lose-message` leaves the client's book
 * crossed, which is how the client notices. Prices 2 decimals, sizes 8.
 */
import type { WebSocket } from 'ws';
import { PeerBook, PeerError, VenuePeer, type PeerFaultKind, type Side, type VenuePeerOptions } from '../peer.js';

type Channel = string | { name: string; product_ids?: string[] };
interface CoinbaseRequest {
  type?: string;
  product_ids?: string[];
  channels?: Channel[];
}

const BOOK_CHANNELS = new Set(['level2', 'level2_batch', 'level2_50']);

interface Subscriptions {
  book: Set<string>;
  heartbeat: Set<string>;
}

export class CoinbasePeer extends VenuePeer {
  readonly venue = 'coinbase';
  protected readonly venueFaults: readonly PeerFaultKind[] = ['lose-message'];
  private readonly subs = new Map<WebSocket, Subscriptions>();
  private heartbeatSeq = 0;

  constructor(opts: VenuePeerOptions = { symbols: ['BTC-USD'] }) {
    super(opts, (seed) => new PeerBook(2, 8, seed + 2));
  }

  feedConfig(): Record<string, unknown> {
    return { kind: 'coinbase-ws', url: this.wsUrl };
  }

  protected override onClose(ws: WebSocket): void {
    this.subs.delete(ws);
  }

  protected onClientMessage(ws: WebSocket, text: string): void {
    const m = JSON.parse(text) as CoinbaseRequest;
    if (m.type !== 'subscribe' && m.type !== 'unsubscribe') return;
    const mine = this.subs.get(ws) ?? this.subs.set(ws, { book: new Set(), heartbeat: new Set() }).get(ws)!;
    const unknown = (m.product_ids ?? []).filter((p) => !this.symbols.includes(p));
    if (unknown.length) {
      this.send(ws, JSON.stringify({ type: 'error', message: 'Failed to subscribe', reason: `${unknown.join(', ')} is not a valid product` }));
      return;
    }
    const snapshots: string[] = [];
    for (const ch of m.channels ?? []) {
      const name = typeof ch === 'string' ? ch : ch.name;
      const products = typeof ch === 'string' ? m.product_ids ?? [] : ch.product_ids ?? m.product_ids ?? [];
      const set = BOOK_CHANNELS.has(name) ? mine.book : name === 'heartbeat' ? mine.heartbeat : undefined;
      if (!set) continue;
      for (const p of products) {
        if (m.type === 'unsubscribe') set.delete(p);
        else {
          if (set === mine.book) snapshots.push(p);
          set.add(p);
        }
      }
    }
    const channels = [{ name: 'level2_batch', product_ids: [...mine.book] }, { name: 'heartbeat', product_ids: [...mine.heartbeat] }].filter((c) => c.product_ids.length);
    this.send(ws, JSON.stringify({ type: 'subscriptions', channels }));
    for (const p of snapshots) {
      const book = this.bookOf(p);
      const snap = JSON.stringify({ type: 'snapshot', product_id: p, bids: book.levels('bid'), asks: book.levels('ask') });
      if (this.dropMidSnapshot) {
        this.dropMidSnapshot = false;
        mine.book.clear();
        this.sendHalfThenDrop(ws, snap);
        return;
      }
      this.send(ws, snap);
    }
  }

  private sendChanges(product: string, changes: Array<{ side: Side; price: string; size: string }>): void {
    const frame = JSON.stringify({ type: 'l2update', product_id: product, changes: changes.map((c) => [c.side === 'bid' ? 'buy' : 'sell', c.price, c.size]), time: new Date().toISOString() });
    for (const [ws, s] of this.subs) if (s.book.has(product)) this.send(ws, frame);
  }

  protected step(product: string, book: PeerBook): void {
    this.sendChanges(product, [book.randomChange()]);
  }

  protected keepAliveFrames(ws: WebSocket): string[] {
    const time = new Date().toISOString();
    return [...(this.subs.get(ws)?.heartbeat ?? [])].map((p) => JSON.stringify({ type: 'heartbeat', last_trade_id: 0, product_id: p, sequence: ++this.heartbeatSeq, time }));
  }

  /**
   * Lose one message: the best ask is deleted on the venue but the l2update never reaches the
   * client; then a bid is placed at that price (legal on the venue, crossed in the client's book).
   */
  protected injectVenue(kind: PeerFaultKind, products: string[]): string {
    for (const p of products) {
      const book = this.bookOf(p);
      // The bid goes where the best ask was, so a second ask must remain to keep the venue's book two-sided.
      if (book.levels('ask').length < 2) throw new PeerError(`${p}: the ask side is too thin to lose its best level (wait for the walk to add asks)`);
    }
    for (const p of products) {
      const book = this.bookOf(p);
      const [price] = book.levels('ask')[0]!;
      book.apply('ask', price, book.size(0));
      const bid = { side: 'bid' as const, price, size: book.size(3) };
      book.apply('bid', bid.price, bid.size);
      this.sendChanges(p, [bid]);
    }
    return `${kind}: the best ask delete of ${products.join(', ')} was never sent; a bid at its price was`;
  }
}
