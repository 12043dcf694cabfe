/** Live feeds named by the config: WebSocket venues and ITCH over MoldUDP64. */
import type { DsmConfig, ExchangeConfig } from '../../../config/schema.js';
import { binanceLive } from '../../feeds/binance/live.js';
import { coinbaseLive } from '../../feeds/coinbase/live.js';
import { krakenLive } from '../../feeds/kraken/live.js';
import type { FeedSource } from './captures.js';
import { ItchUdpSource } from './itch-udp.js';
import { WebSocketSource } from './websocket.js';

export function liveSource(ex: ExchangeConfig, _client: DsmConfig['client']): FeedSource {
  const f = ex.feed;
  switch (f.kind) {
    case 'binance-ws': return new WebSocketSource(binanceLive({ wsBase: f.url, restBase: f.restUrl, symbols: ex.symbols, depthLimit: f.depthLimit, exchange: ex.name }), ex.name, f.connection);
    case 'kraken-ws': return new WebSocketSource(krakenLive({ url: f.url, pairs: ex.symbols, depth: f.depth, exchange: ex.name }), ex.name, f.connection);
    case 'coinbase-ws': return new WebSocketSource(coinbaseLive({ url: f.url, products: ex.symbols, exchange: ex.name }), ex.name, f.connection);
    case 'itch-moldudp64': return new ItchUdpSource({ host: f.host, port: f.port, exchange: ex.name, rerequest: f.rerequest, rerequestTimeoutMs: f.rerequestTimeoutMs, rerequestMaxCount: f.rerequestMaxCount, connection: f.connection });
    default: throw new Error(`exchanges.${ex.name}.feed: ${f.kind} is not a live feed`);
  }
}
