/**
 * What every venue's sync (BinanceSync, KrakenBookSync, CoinbaseSync) hands back per input: the
 * book events it applied, in order, and the problems it found instead of throwing.
 */
import type { L2Book } from '../marketdata/book/l2-book.js';
import type { BookEvent, DecodeProblem } from '../marketdata/events.js';
import type { RecvStamp } from './capture/stamp.js';

export type { RecvStamp };

/**
 * Called right after each event is applied, with the book in exactly that state. A snapshot
 * can release many buffered updates in one call; this is the only way to see the book between them.
 */
export type AppliedListener = (event: BookEvent, book: L2Book) => void;

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
