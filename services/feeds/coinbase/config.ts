/** Coinbase's feed kinds in the environment config (pure zod; listed in ../config-kinds.ts). */
import { z } from 'zod';
import { FeedConnectionSchema } from '../../../config/feed-connection.js';

export const coinbaseConfigKinds = [
  /** A recorded level2 session (relative to the repo root). */
  z.object({ kind: z.literal('coinbase-capture'), path: z.string() }),
  z.object({ kind: z.literal('coinbase-ws'), url: z.string().url(), connection: FeedConnectionSchema }),
] as const;
