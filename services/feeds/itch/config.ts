/** ITCH's feed kinds in the environment config (pure zod; listed in ../config-kinds.ts). */
import { z } from 'zod';
import { FeedConnectionSchema, portSchema } from '../../../config/feed-connection.js';

export const itchConfigKinds = [
  /** A recorded file: MoldUDP64 packets or a length-prefixed stream (relative to the repo root). */
  z.object({ kind: z.literal('itch-file'), path: z.string() }),
  z.object({
    kind: z.literal('itch-moldudp64'),
    /** Address the MoldUDP64 multicast/unicast stream arrives on. */
    host: z.string(),
    port: portSchema,
    /** The exchange's MoldUDP64 re-request server: gaps are asked for here (omit to only count them). */
    rerequest: z.object({ host: z.string().min(1), port: portSchema }).optional(),
    /** Wait this long for a re-requested range before asking again (with backoff). */
    rerequestTimeoutMs: z.number().int().min(10).default(500),
    /** Most messages one re-request asks for (MoldUDP64 counts are u16). */
    rerequestMaxCount: z.number().int().min(1).max(65534).default(1000),
    /** Requests per gap before it is given up on (counted as lost). */
    rerequestRetries: z.number().int().min(1).default(5),
    connection: FeedConnectionSchema,
  }),
] as const;

export type ItchMoldFeed = z.infer<(typeof itchConfigKinds)[1]>;
