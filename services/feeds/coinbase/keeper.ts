/**
 * The book keeper for a Coinbase exchange whose inputs were decoded on another thread (a
 * recording). The registry finds keepers by venue, and both Coinbase protocols are the
 * `coinbase` venue, so each input goes to the sync of the protocol that decoded it (an exchange
 * is configured with one of them, so in practice one sync is ever made).
 */
import type { BookKeeper } from '../live.js';
import { emptySyncStats, type SyncStats } from '../sync.js';
import { coinbaseAdvancedLive } from './advanced-live.js';
import { isAdvancedInput } from './advanced-sync.js';
import { coinbaseLive } from './live.js';

export function coinbaseKeeper(exchange: string): BookKeeper {
  let legacy: BookKeeper | undefined;
  let advanced: BookKeeper | undefined;
  // A capture has no second snapshot to wait for: legacy crossings are counted, not resynced.
  const legacyKeeper = () => (legacy ??= coinbaseLive({ url: 'capture', products: [], exchange, resyncOnCrossed: false }));
  const advancedKeeper = () => (advanced ??= coinbaseAdvancedLive({ url: 'capture', products: [], exchange }));
  return {
    keep: (data, stamp, line) => (isAdvancedInput(data) ? advancedKeeper() : legacyKeeper()).keep(data, stamp, line),
    book: (s) => advanced?.book(s) ?? legacy?.book(s),
    syncStats: () => [legacy, advanced].reduce<SyncStats>((sum, k) => (k ? add(sum, k.syncStats()) : sum), emptySyncStats()),
    notes: () => [...(legacy?.notes?.() ?? []), ...(advanced?.notes?.() ?? [])],
  };
}

function add(a: SyncStats, b: SyncStats): SyncStats {
  return Object.fromEntries(Object.keys(a).map((k) => [k, a[k as keyof SyncStats] + b[k as keyof SyncStats]])) as unknown as SyncStats;
}
