/**
 * The venues DSM knows. Every consumer (ingest sources, `dsm book replay`, `dsm record`) looks
 * venues up here and nowhere else; adding a venue is its folder, one line here and one line in
 * config-kinds.ts (see README.md in this folder).
 */
import type { ExchangeConfig } from '../../config/schema.js';
import type { FeedSource } from '../ingest/feed-update.js';
import { binance } from './binance/index.js';
import { coinbase } from './coinbase/index.js';
import { itch } from './itch/index.js';
import { kraken } from './kraken/index.js';
import { lobster } from './lobster/index.js';
import type { SourceContext, VenueDefinition } from './venue.js';

export const VENUES: readonly VenueDefinition[] = [lobster, binance, kraken, coinbase, itch];

export function venueNamed(name: string): VenueDefinition | undefined {
  return VENUES.find((v) => v.name === name);
}

/** The venue that runs a feed kind; throws for a kind no venue declares (the schema prevents it). */
export function venueForKind(kind: string): VenueDefinition {
  const v = VENUES.find((x) => x.liveKinds.includes(kind) || x.recordedKinds.includes(kind));
  if (!v) throw new Error(`no venue runs feed kind "${kind}"`);
  return v;
}

export function sourceForExchange(ex: ExchangeConfig, ctx: SourceContext): FeedSource {
  return venueForKind(ex.feed.kind).source(ex, ctx);
}

/** Replayable (recorded) feeds; live ones need the network. */
export function isRecordedFeed(ex: ExchangeConfig): boolean {
  return venueForKind(ex.feed.kind).recordedKinds.includes(ex.feed.kind);
}
