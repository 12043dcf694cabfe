/**
 * Coinbase: two protocols. `coinbase-advanced-ws` (Advanced Trade level2, sequenced: any lost
 * message is detected and the products resubscribed) is the one to use; `coinbase-ws` (legacy
 * Exchange level2_batch, no sequence: a lost message shows only if it crosses the book) is kept
 * for the recorded sample and existing configs. Capture replay checked against the ticker, recording.
 */
import { FrameCaptureSource } from '../../ingest/sources/captures.js';
import { WebSocketSource } from '../../ingest/sources/websocket.js';
import { feedOf, type VenueDefinition } from '../venue.js';
import { coinbaseAdvancedLive } from './advanced-live.js';
import { coinbaseKeeper } from './keeper.js';
import { coinbaseLive } from './live.js';
import { replayCoinbase } from './replay.js';
import { coinbaseRecording } from './venue.js';

export const coinbase: VenueDefinition = {
  name: 'coinbase',
  liveKinds: ['coinbase-ws', 'coinbase-advanced-ws'],
  shardableKinds: ['coinbase-ws', 'coinbase-advanced-ws'],
  recordedKinds: ['coinbase-capture', 'coinbase-advanced-capture'],
  source(ex, ctx) {
    const advanced = feedOf(ex, 'coinbase-advanced-ws');
    if (advanced) {
      const venue = coinbaseAdvancedLive({
        url: advanced.url, products: ex.symbols, exchange: ex.name, heartbeats: advanced.heartbeats,
        // Attempts for the other products of one gap come within the recovery backoff of the first; a retry after the timeout asks again.
        coalesceMs: Math.min(250, advanced.connection.recoveryTimeoutMs / 2),
      });
      return new WebSocketSource(venue, ex.name, advanced.connection);
    }
    const live = feedOf(ex, 'coinbase-ws');
    if (live) return new WebSocketSource(coinbaseLive({ url: live.url, products: ex.symbols, exchange: ex.name }), ex.name, live.connection);
    const advancedCapture = feedOf(ex, 'coinbase-advanced-capture');
    if (advancedCapture) return new FrameCaptureSource(ctx.resolve(advancedCapture.path), coinbaseAdvancedLive({ url: 'capture', products: ex.symbols, exchange: ex.name }), ex.name);
    const cap = feedOf(ex, 'coinbase-capture')!;
    return new FrameCaptureSource(ctx.resolve(cap.path), coinbaseLive({ url: 'capture', products: ex.symbols, exchange: ex.name }), ex.name);
  },
  // A capture's frames are decoded on the ingest thread (sequence checked there); the worker
  // owning a product keeps its book with the sync of the protocol that decoded it.
  keeper: coinbaseKeeper,
  replay: { inputs: ['capture'], run: replayCoinbase },
  record: coinbaseRecording,
};
