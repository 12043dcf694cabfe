/** Live feeds (WebSocket venues, ITCH over MoldUDP64). */
import type { ExchangeConfig } from '../../../config/schema.js';
import type { FeedSource } from './captures.js';

export function liveSource(ex: ExchangeConfig): FeedSource {
  throw new Error(`exchanges.${ex.name}.feed: ${ex.feed.kind} feeds are not wired into the ingest yet`);
}
