/** Binance's feed kinds in the environment config (pure zod; listed in ../config-kinds.ts). */
import { z } from 'zod';
import { FeedConnectionSchema } from '../../../config/feed-connection.js';
import { BINANCE_REST } from './venue.js';

export const binanceConfigKinds = [
  /** A recorded session: WebSocket frames and REST snapshots (relative to the repo root). */
  z.object({ kind: z.literal('binance-capture'), ws: z.string(), rest: z.string() }),
  z.object({
    kind: z.literal('binance-ws'),
    /** Stream base (`wss://stream.binance.com:9443`); `/stream?streams=...` is appended. */
    url: z.string().url(),
    /** REST base for depth snapshots (`/api/v3/depth`), fetched on start and after every gap. */
    restUrl: z.string().url().default(BINANCE_REST),
    /** Levels per REST snapshot (Binance allows up to 5000). */
    depthLimit: z.number().int().min(5).max(5000).default(1000),
    connection: FeedConnectionSchema,
  }),
] as const;
