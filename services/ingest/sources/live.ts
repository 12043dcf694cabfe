/** Live feeds named by the config: WebSocket venues and ITCH over MoldUDP64. */
import type { DsmConfig, ExchangeConfig } from '../../../config/schema.js';
import type { FeedSource } from './captures.js';
import { ItchUdpSource } from './itch-udp.js';
import { WebSocketSource, binanceProtocol, coinbaseProtocol, krakenProtocol } from './websocket.js';

export function liveSource(ex: ExchangeConfig, client: DsmConfig['client']): FeedSource {
  const f = ex.feed;
  switch (f.kind) {
    case 'binance-ws': return new WebSocketSource(binanceProtocol(f.url.replace(/\/stream\/?$/, ''), ex.symbols, ex.name), ex.name, client);
    case 'kraken-ws': return new WebSocketSource(krakenProtocol(f.url, ex.symbols, f.depth, ex.name), ex.name, client);
    case 'coinbase-ws': return new WebSocketSource(coinbaseProtocol(f.url, ex.symbols, ex.name), ex.name, client);
    case 'itch-moldudp64': return new ItchUdpSource({ host: f.host, port: f.port, exchange: ex.name });
    default: throw new Error(`exchanges.${ex.name}.feed: ${f.kind} is not a live feed`);
  }
}
