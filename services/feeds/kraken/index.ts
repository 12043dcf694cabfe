/** Kraken (WS v1 book): live feed with checksum-driven resubscribe, capture replay checked against Kraken's checksums, recording. */
import { FrameCaptureSource } from '../../ingest/sources/captures.js';
import { WebSocketSource } from '../../ingest/sources/websocket.js';
import { feedOf, type VenueDefinition } from '../venue.js';
import { krakenLive } from './live.js';
import { replayKraken } from './replay.js';
import { krakenRecording } from './venue.js';

export const kraken: VenueDefinition = {
  name: 'kraken',
  liveKinds: ['kraken-ws'],
  shardableKinds: ['kraken-ws'],
  recordedKinds: ['kraken-capture'],
  source(ex, ctx) {
    const live = feedOf(ex, 'kraken-ws');
    if (live) return new WebSocketSource(krakenLive({ url: live.url, pairs: ex.symbols, depth: live.depth, exchange: ex.name }), ex.name, live.connection);
    const cap = feedOf(ex, 'kraken-capture')!;
    return new FrameCaptureSource(ctx.resolve(cap.path), krakenLive({ url: 'capture', pairs: ex.symbols, depth: 1000, exchange: ex.name }), ex.name);
  },
  // A capture's frames are decoded on the ingest thread; the worker owning a symbol keeps its book with the live sync.
  keeper: (exchange) => krakenLive({ url: 'capture', pairs: [], depth: 1000, exchange }),
  replay: { inputs: ['capture'], run: replayKraken },
  record: krakenRecording,
};
