/** LOBSTER's feed kind in the environment config (pure zod; listed in ../config-kinds.ts). */
import { z } from 'zod';

export const lobsterConfigKinds = [
  z.object({
    kind: z.literal('lobster'),
    /** LOBSTER message file and its orderbook file (relative to the repo root). */
    messages: z.string(),
    orderbook: z.string(),
    symbol: z.string(),
    /** Fill levels the message file cannot reveal from the orderbook file (and say so). */
    fillUnknownFromOrderbook: z.boolean().default(true),
  }),
] as const;
