/** Coinbase Exchange (level2): live feed with resubscribe on a crossed book, capture replay checked against the ticker, recording. */
import { FrameCaptureSource } from '../../ingest/sources/captures.js';
import { WebSocketSource } from '../../ingest/sources/websocket.js';
import { feedOf, type VenueDefinition } from '../venue.js';
import { coinbaseLive } from './live.js';
import { replayCoinbase } from './replay.js';
import { coinbaseRecording } from './venue.js';

export const coinbase: VenueDefinition = {
  name: 'coinbase',
  liveKinds: ['coinbase-ws'],
  shardableKinds: ['coinbase-ws'],
  recordedKinds: ['coinbase-capture'],
  source(ex, ctx) {
    const live = feedOf(ex, 'coinbase-ws');
    if (live) return new WebSocketSource(coinbaseLive({ url: live.url, products: ex.symbols, exchange: ex.name }), ex.name, live.connection);
    const cap = feedOf(ex, 'coinbase-capture')!;
    return new FrameCaptureSource(ctx.resolve(cap.path), coinbaseLive({ url: 'capture', products: ex.symbols, exchange: ex.name }), ex.name);
  },
  // A capture's frames are decoded on the ingest thread; the worker owning a symbol keeps its book
  // with the live sync, except that a capture has no second snapshot to wait for: crossings are
  // counted, not resynced.
  keeper: (exchange) => coinbaseLive({ url: 'capture', products: [], exchange, resyncOnCrossed: false }),
  replay: { inputs: ['capture'], run: replayCoinbase },
  record: coinbaseRecording,
};
