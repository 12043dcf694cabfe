/**
 * Live WebSocket venues (Binance, Kraken, Coinbase) as feed sources: connect, subscribe, decode
 * and sync every frame, and on any disconnect reconnect with backoff and jitter and subscribe
 * again. A reconnect can lose messages, so every book is resynced: Kraken and Coinbase send a
 * fresh snapshot on resubscribe; Binance books are re-seeded from a REST depth snapshot.
 */
import WebSocket from 'ws';
import type { ClientSchema } from '../../../config/schema.js';
import type { z } from 'zod';
import { decodeBinanceFrame, decodeBinanceSnapshot } from '../../feeds/binance/decode.js';
import { BinanceSync } from '../../feeds/binance/sync.js';
import { binanceDepthUrl, binanceStreamUrl } from '../../feeds/binance/venue.js';
import { liveStamp } from '../../feeds/capture/stamp.js';
import { decodeCoinbaseFrame } from '../../feeds/coinbase/decode.js';
import { CoinbaseSync } from '../../feeds/coinbase/sync.js';
import { coinbaseSubscribe } from '../../feeds/coinbase/venue.js';
import { decodeKrakenFrame } from '../../feeds/kraken/decode.js';
import { KrakenBookSync } from '../../feeds/kraken/sync.js';
import { krakenSubscribe } from '../../feeds/kraken/venue.js';
import type { L2Book } from '../../marketdata/book/l2-book.js';
import type { SyncResult, SyncStats } from '../../feeds/sync.js';
import { childLogger } from '../../common/log.js';
import { newSourceStats, type FeedUpdate, type SourceStats } from '../feed-update.js';
import type { FeedSource } from './captures.js';
import { PushQueue } from './push-queue.js';
import { updatesFromSync } from './venue-updates.js';

type ClientSettings = z.output<typeof ClientSchema>;

/** What differs between venues: where to connect, what to send, how a frame becomes book changes. */
export interface VenueProtocol {
  name: string;
  url: string;
  subscribeFrames(): string[];
  /** Decode and sync one frame; undefined when it changes no book. */
  onFrame(text: string, stats: SourceStats): SyncResult | undefined;
  /** The venue sync's book for a symbol (what changed in it is what gets published). */
  book(symbol: string): L2Book | undefined;
  /** The venue sync's own counters (gaps, resyncs, checksums). */
  syncStats(): SyncStats;
  /** After (re)connecting: anything beyond subscribing (Binance: REST snapshots). */
  afterSubscribe?(push: (r: SyncResult) => void, stats: SourceStats): Promise<void>;
}

export class WebSocketSource implements FeedSource {
  readonly stats: SourceStats;
  private readonly queue = new PushQueue<FeedUpdate>();
  private ws: WebSocket | undefined;
  private stopped = false;
  connects = 0;
  private readonly log = childLogger('ws-source');

  constructor(private readonly venue: VenueProtocol, exchange: string, private readonly client: Pick<ClientSettings, 'reconnectTimeWaitMs' | 'reconnectJitterMs'>) {
    this.stats = newSourceStats(`${venue.name}-ws ${venue.url}`, exchange);
  }

  updates(): AsyncIterable<FeedUpdate> {
    this.connect(0);
    return this.queue;
  }

  stop(): void {
    this.stopped = true;
    this.ws?.close();
    this.queue.end();
  }

  private push(r: SyncResult): void {
    for (const u of updatesFromSync(r, (s) => this.venue.book(s), 0, this.stats)) this.queue.push(u);
  }

  private connect(attempt: number): void {
    if (this.stopped) return;
    const ws = new WebSocket(this.venue.url, { handshakeTimeout: 10_000 });
    this.ws = ws;
    ws.on('open', () => {
      this.connects++;
      if (this.connects > 1) this.stats.resyncs++;
      attempt = 0;
      for (const f of this.venue.subscribeFrames()) ws.send(f);
      void this.venue.afterSubscribe?.((r) => this.push(r), this.stats)
        .catch((e: Error) => this.log.warn({ venue: this.venue.name, err: e.message }, 'post-subscribe step failed'));
    });
    ws.on('message', (data: WebSocket.RawData) => {
      this.stats.inputs++;
      const text = Buffer.isBuffer(data) ? data.toString('utf8') : Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data).toString('utf8');
      const result = this.venue.onFrame(text, this.stats);
      if (result) this.push(result);
    });
    ws.on('error', (e) => this.log.warn({ venue: this.venue.name, err: e.message }, 'websocket error'));
    ws.on('close', () => {
      if (this.stopped) return;
      const delay = Math.min(30_000, this.client.reconnectTimeWaitMs * 2 ** Math.min(attempt, 7)) + Math.random() * this.client.reconnectJitterMs;
      this.log.warn({ venue: this.venue.name, delayMs: Math.round(delay) }, 'disconnected; reconnecting');
      setTimeout(() => this.connect(attempt + 1), delay);
    });
  }
}

export function krakenProtocol(url: string, pairs: string[], depth: number, exchange: string): VenueProtocol {
  const sync = new KrakenBookSync({ exchange });
  return {
    name: 'kraken', url,
    subscribeFrames: () => [krakenSubscribe(pairs, depth)],
    book: (s) => sync.book(s),
    syncStats: () => sync.stats,
    onFrame(text, stats) {
      const f = decodeKrakenFrame(text);
      if (f.kind === 'snapshot') return sync.onSnapshot(f, liveStamp());
      if (f.kind === 'update') return sync.onUpdate(f, liveStamp());
      if (f.kind === 'problem') stats.malformed++;
      return undefined;
    },
  };
}

export function coinbaseProtocol(url: string, products: string[], exchange: string): VenueProtocol {
  const sync = new CoinbaseSync({ exchange });
  return {
    name: 'coinbase', url,
    subscribeFrames: () => [coinbaseSubscribe(products, ['level2_batch'])],
    book: (s) => sync.book(s),
    syncStats: () => sync.stats,
    onFrame(text, stats) {
      const f = decodeCoinbaseFrame(text);
      if (f.kind === 'snapshot') return sync.onSnapshot(f, liveStamp());
      if (f.kind === 'l2update') return sync.onUpdate(f, liveStamp());
      if (f.kind === 'problem') stats.malformed++;
      return undefined;
    },
  };
}

export function binanceProtocol(wsBase: string, symbols: string[], exchange: string, restBase?: string): VenueProtocol {
  const sync = new BinanceSync({ exchange });
  return {
    name: 'binance', url: binanceStreamUrl(symbols, wsBase),
    subscribeFrames: () => [],
    book: (s) => sync.book(s),
    syncStats: () => sync.stats,
    onFrame(text, stats) {
      const f = decodeBinanceFrame(text);
      if (f.kind === 'depth') return sync.onDepthUpdate(f, liveStamp());
      if (f.kind === 'problem') stats.malformed++;
      return undefined;
    },
    // Binance's local-book procedure: open the stream first, then take a REST snapshot per symbol.
    async afterSubscribe(push, stats) {
      for (const s of symbols) {
        const res = await fetch(binanceDepthUrl(s, 1000, restBase), { signal: AbortSignal.timeout(10_000) });
        const snap = decodeBinanceSnapshot(await res.text());
        if ('kind' in snap) { stats.malformed++; continue; }
        push(sync.onSnapshot(s.toUpperCase(), snap, liveStamp()));
      }
    },
  };
}
