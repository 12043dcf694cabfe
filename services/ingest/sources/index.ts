/** Feed sources named by the environment config, found through the venue registry. */
import path from 'node:path';
import type { DsmConfig, ExchangeConfig } from '../../../config/schema.js';
import { isRecordedFeed, sourceForExchange } from '../../feeds/registry.js';
import type { FeedSource } from '../feed-update.js';

export type { FeedSource };

/** Paths in configs are relative to the repository root. */
export function sourceFor(ex: ExchangeConfig, root: string, _client?: DsmConfig['client']): FeedSource {
  return sourceForExchange(ex, { resolve: (p) => path.resolve(root, p) });
}

/** Replayable (recorded) sources; live ones need the network. */
export function isRecorded(ex: ExchangeConfig): boolean {
  return isRecordedFeed(ex);
}
