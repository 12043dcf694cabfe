/**
 * Which configured exchanges recover their books per symbol while live: the WebSocket venues
 * (services/feeds/README.md, "live recovery"), whose feed kinds end in `-ws`. Their ingest reports
 * symbols stale (`FeedSymbolsStale`), which the stacks alarm on and the dashboards draw; recorded
 * feeds and ITCH over MoldUDP64 (gaps re-requested for the whole stream) have no per-symbol staleness.
 */
import type { DsmConfig } from './schema.js';

export function liveBookExchanges(cfg: Pick<DsmConfig, 'exchanges'>): string[] {
  return cfg.exchanges.filter((ex) => ex.feed.kind.endsWith('-ws')).map((ex) => ex.name);
}
