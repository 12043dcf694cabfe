/**
 * What every venue's sync (BinanceSync, KrakenBookSync, CoinbaseSync) hands back per input: the
 * book events it applied, in order, and the problems it found instead of throwing.
 */
import type { BookEvent, DecodeProblem } from '../marketdata/events.js';
import type { RecvStamp } from './capture/stamp.js';

export type { RecvStamp };

export interface SyncResult {
  events: BookEvent[];
  problems: DecodeProblem[];
}

export interface SyncStats {
  /** Book events applied (snapshots and updates). */
  applied: number;
  /** Updates dropped as already covered by a snapshot, or while waiting for one. */
  dropped: number;
  /** Sequence gaps (or checksum mismatches) that forced a resync. */
  gaps: number;
  /** Books rebuilt from a fresh snapshot after a gap or mismatch. */
  resyncs: number;
  checksumChecks: number;
  checksumMatches: number;
  /** Updates after which the best bid was at or above the best ask. */
  crossed: number;
}

export function emptySyncStats(): SyncStats {
  return { applied: 0, dropped: 0, gaps: 0, resyncs: 0, checksumChecks: 0, checksumMatches: 0, crossed: 0 };
}

export function result(): SyncResult {
  return { events: [], problems: [] };
}
