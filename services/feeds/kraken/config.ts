/** Kraken's feed kinds in the environment config (pure zod; listed in ../config-kinds.ts). */
import { z } from 'zod';
import { FeedConnectionSchema } from '../../../config/feed-connection.js';

export const krakenConfigKinds = [
  /** A recorded WS v1 session (relative to the repo root). */
  z.object({ kind: z.literal('kraken-capture'), path: z.string() }),
  z.object({
    kind: z.literal('kraken-ws'),
    url: z.string().url(),
    /** Book depth to subscribe to (10, 25, 100, 500 or 1000); checksums cover the top 10. */
    depth: z.union([z.literal(10), z.literal(25), z.literal(100), z.literal(500), z.literal(1000)]).default(100),
    connection: FeedConnectionSchema,
  }),
] as const;
