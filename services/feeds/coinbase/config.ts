/** Coinbase's feed kinds in the environment config (pure zod; listed in ../config-kinds.ts). */
import { z } from 'zod';
import { FeedConnectionSchema } from '../../../config/feed-connection.js';

export const coinbaseConfigKinds = [
  /** A recorded legacy level2 session (relative to the repo root). */
  z.object({ kind: z.literal('coinbase-capture'), path: z.string() }),
  /**
   * Legacy Coinbase Exchange `level2_batch` (wss://ws-feed.exchange.coinbase.com). It carries no
   * sequence: a lost message is noticed only if it later crosses the book. Prefer
   * `coinbase-advanced-ws`.
   */
  z.object({ kind: z.literal('coinbase-ws'), url: z.string().url(), connection: FeedConnectionSchema }),
  /** A recorded Advanced Trade session (relative to the repo root); its sequence numbers are checked as live. */
  z.object({ kind: z.literal('coinbase-advanced-capture'), path: z.string() }),
  /**
   * Coinbase Advanced Trade `level2` (wss://advanced-trade-ws.coinbase.com): every message is
   * numbered per connection, so any lost message is detected and the connection's products
   * resubscribed.
   */
  z.object({
    kind: z.literal('coinbase-advanced-ws'),
    url: z.string().url(),
    /** Also subscribe the heartbeats channel: keeps quiet subscriptions open and the watchdog fed. */
    heartbeats: z.boolean().default(true),
    connection: FeedConnectionSchema,
  }),
] as const;
