/** Binance spot (diff depth + REST snapshots): live feed with REST re-seed on a gap, capture replay checked against bookTicker, recording. */
import { WebSocketSource } from '../../ingest/sources/websocket.js';
import { feedOf, type VenueDefinition } from '../venue.js';
import { BinanceCaptureSource } from './capture-source.js';
import { binanceLive } from './live.js';
import { replayBinance } from './replay.js';
import { binanceRecording } from './venue.js';

export const binance: VenueDefinition = {
  name: 'binance',
  liveKinds: ['binance-ws'],
  shardableKinds: ['binance-ws'],
  recordedKinds: ['binance-capture'],
  source(ex, ctx) {
    const live = feedOf(ex, 'binance-ws');
    if (live) return new WebSocketSource(binanceLive({ wsBase: live.url, restBase: live.restUrl, symbols: ex.symbols, depthLimit: live.depthLimit, exchange: ex.name }), ex.name, live.connection);
    const cap = feedOf(ex, 'binance-capture')!;
    return new BinanceCaptureSource(ctx.resolve(cap.ws), ctx.resolve(cap.rest), ex.name);
  },
  // A capture's frames are decoded on the ingest thread; the worker owning a symbol keeps its book with the live sync.
  keeper: (exchange) => binanceLive({ wsBase: 'capture', restBase: 'capture', symbols: [], depthLimit: 1000, exchange }),
  replay: { inputs: ['ws-capture', 'rest-capture'], run: replayBinance },
  record: binanceRecording,
};
