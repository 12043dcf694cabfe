/**
 * A local Kraken WS v1 peer (services/feeds/peer.ts): the book channel for a few pairs, with real
 * CRC32 checksums on every update, subscription status events, heartbeats on a quiet connection,
 * and an unsubscribe/subscribe answered with a fresh snapshot, as Kraken's book guide describes.
 * Venue fault: `bad-checksum`. Prices 2 decimals, volumes 8.
 */
import type { WebSocket } from 'ws';
import { PeerBook, VenuePeer, type PeerFaultKind, type PeerLevel, type VenuePeerOptions } from '../peer.js';
import { krakenChecksum } from './checksum.js';

interface KrakenRequest {
  event?: string;
  reqid?: number;
  pair?: string[];
  subscription?: { name?: string; depth?: number };
}

export class KrakenPeer extends VenuePeer {
  readonly venue = 'kraken';
  protected readonly venueFaults: readonly PeerFaultKind[] = ['bad-checksum'];
  /** Per connection: subscribed pair -> depth. */
  private readonly subs = new Map<WebSocket, Map<string, number>>();
  private readonly corrupt = new Set<string>();
  readonly depth: number;

  constructor(opts: VenuePeerOptions & { depth?: number } = { symbols: ['XBT/USD'] }) {
    super(opts, (seed) => new PeerBook(2, 8, seed));
    this.depth = opts.depth ?? 10;
  }

  feedConfig(): Record<string, unknown> {
    return { kind: 'kraken-ws', url: this.wsUrl, depth: this.depth };
  }

  private channelId(pair: string): number {
    return 100 + this.symbols.indexOf(pair);
  }

  protected override onOpen(ws: WebSocket): void {
    this.send(ws, JSON.stringify({ connectionID: this.connections, event: 'systemStatus', status: 'online', version: '1.9.0' }));
  }

  protected override onClose(ws: WebSocket): void {
    this.subs.delete(ws);
  }

  protected onClientMessage(ws: WebSocket, text: string): void {
    const m = JSON.parse(text) as KrakenRequest;
    if (m.event === 'ping') { this.send(ws, JSON.stringify({ event: 'pong', ...(m.reqid !== undefined ? { reqid: m.reqid } : {}) })); return; }
    if (m.event !== 'subscribe' && m.event !== 'unsubscribe') return;
    const depth = m.subscription?.depth ?? 10;
    const mine = this.subs.get(ws) ?? this.subs.set(ws, new Map()).get(ws)!;
    for (const pair of m.pair ?? []) {
      if (!this.symbols.includes(pair)) {
        this.send(ws, JSON.stringify({ event: 'subscriptionStatus', status: 'error', errorMessage: 'Currency pair not supported', pair, subscription: { name: 'book', depth } }));
        continue;
      }
      const status = { channelID: this.channelId(pair), channelName: `book-${depth}`, event: 'subscriptionStatus', pair, subscription: { name: 'book', depth } };
      if (m.event === 'unsubscribe') {
        mine.delete(pair);
        this.send(ws, JSON.stringify({ ...status, status: 'unsubscribed' }));
        continue;
      }
      this.send(ws, JSON.stringify({ ...status, status: 'subscribed' }));
      const book = this.bookOf(pair);
      const snap = JSON.stringify([this.channelId(pair), { as: book.levels('ask').slice(0, depth).map(lv), bs: book.levels('bid').slice(0, depth).map(lv) }, `book-${depth}`, pair]);
      if (this.dropMidSnapshot) {
        this.dropMidSnapshot = false;
        this.sendHalfThenDrop(ws, snap);
        return;
      }
      this.send(ws, snap);
      mine.set(pair, depth);
    }
  }

  protected step(pair: string, book: PeerBook): void {
    const c = book.randomChange();
    let checksum = krakenChecksum(book.levels('ask').slice(0, 10), book.levels('bid').slice(0, 10));
    if (this.corrupt.delete(pair)) checksum = String((Number(checksum) + 1) % 2 ** 32);
    const payload = { [c.side === 'bid' ? 'b' : 'a']: [lv([c.price, c.size])], c: checksum };
    for (const [ws, pairs] of this.subs) {
      const depth = pairs.get(pair);
      if (depth !== undefined) this.send(ws, JSON.stringify([this.channelId(pair), payload, `book-${depth}`, pair]));
    }
  }

  protected keepAliveFrames(): string[] {
    return ['{"event":"heartbeat"}'];
  }

  protected injectVenue(kind: PeerFaultKind, pairs: string[]): string {
    // Only 'bad-checksum' reaches here (VenuePeer checks venueFaults).
    for (const p of pairs) this.corrupt.add(p);
    return `${kind}: the next update of ${pairs.join(', ')} carries a wrong checksum`;
  }
}

/** A level as Kraken prints it: [price, volume, timestamp]. */
function lv([p, q]: PeerLevel): [string, string, string] {
  return [p, q, (Date.now() / 1000).toFixed(6)];
}
