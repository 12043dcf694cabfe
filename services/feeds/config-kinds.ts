/**
 * The feed kinds every venue accepts in the environment config, from each venue's own
 * `config.ts` (pure zod, so config/schema.ts and the stacks can import it without any venue
 * runtime code). Adding a venue adds its kinds here and its definition in registry.ts.
 */
import { binanceConfigKinds } from './binance/config.js';
import { coinbaseConfigKinds } from './coinbase/config.js';
import { itchConfigKinds } from './itch/config.js';
import { krakenConfigKinds } from './kraken/config.js';
import { lobsterConfigKinds } from './lobster/config.js';

export const FEED_KIND_SCHEMAS = [...lobsterConfigKinds, ...binanceConfigKinds, ...krakenConfigKinds, ...coinbaseConfigKinds, ...itchConfigKinds] as const;
