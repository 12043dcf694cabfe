/**
 * What a feed source hands the ingest: the exact change the venue's own sync logic made to one
 * symbol's book, with the event's tags. Sources keep venue state (sequence rules, checksums);
 * the worker that owns the symbol applies the change to the published book.
 */
import type { L2Book } from '../marketdata/book/l2-book.js';
import type { LevelChange, PriceFormat, Scaled } from '../marketdata/events.js';

export interface FeedUpdate {
  /**
   * `snapshot` replaces the book (venue snapshot or resync); `delta` changes some levels;
   * `stale`: the venue book lost sync and is being recovered (no levels; the next update for the
   * symbol is the recovery snapshot); `input`: a decoded venue input (`input`) that only the
   * worker owning the symbol applies, with the venue's book keeper (one book per symbol, kept where
   * it is published). An input's format, exchSeq and exchTsUs are placeholders: the keeper's
   * resulting updates carry the real ones.
   */
  kind: 'snapshot' | 'delta' | 'stale' | 'input';
  exchange: string;
  symbol: string;
  format: PriceFormat;
  exchSeq: number;
  exchTsUs: number;
  recvMonoNs: number;
  recvWallUs: number;
  /** Recording time in epoch µs, for paced replay; 0 for live feeds. */
  atUs: number;
  changes?: LevelChange[];
  bids?: Array<[Scaled, Scaled]>;
  asks?: Array<[Scaled, Scaled]>;
  /** kind 'input': the venue (registry name) whose keeper applies it, its decoded message (structured-cloneable) and its input line, for problems. */
  input?: { venue: string; data: unknown; line?: number };
  /**
   * The venue sync's own book, already holding this change (`changes` are its `takeDeltas`).
   * Set only while the update stays in the thread that runs the sync: the publish engine then
   * adopts that book as the published one instead of applying the change to a copy. Cleared
   * before an update is posted to another thread.
   */
  book?: L2Book;
}

/** Price format of an `input` update: unused (its keeper's book has the real one), but valid. */
const INPUT_FORMAT = { priceDecimals: 0, sizeDecimals: 0 } as const;

/**
 * A decoded venue input for the worker that owns `symbol` (kind 'input'). Recordings and
 * multicast feeds decode on the ingest thread and keep no book there.
 */
export function keptInput(venue: string, exchange: string, symbol: string, data: unknown, atUs: number, line?: number): FeedUpdate {
  return { kind: 'input', exchange, symbol, format: INPUT_FORMAT, exchSeq: 0, exchTsUs: 0, recvMonoNs: 0, recvWallUs: 0, atUs, input: line === undefined ? { venue, data } : { venue, data, line } };
}

/** What every source counts while it runs. */
export interface SourceStats {
  source: string;
  exchange: string;
  /** Input records (frames, rows) read. */
  inputs: number;
  /** Book updates handed on. */
  updates: number;
  malformed: number;
  gaps: number;
  resyncs: number;
  /** Live feeds: per-symbol recovery counters (gaps, recoveries, time stale). */
  symbols?: Record<string, SymbolHealth>;
  /** Live feeds: connections opened, and how many were dropped by the silence watchdog. */
  connects?: number;
  watchdogTimeouts?: number;
  /** Free-form notes the report shows, e.g. "levels beyond the top 10 filled from the orderbook file". */
  notes: string[];
}

export interface SymbolHealth {
  /** Times the book lost sync (venue gap, checksum mismatch, crossed book, reconnect). */
  gaps: number;
  /** Times it was brought back by a snapshot. */
  recoveries: number;
  /** Recovery attempts made (resubscribes, REST snapshots). */
  attempts: number;
  /** Total milliseconds the symbol spent stale, including a stale period still running. */
  staleMs: number;
  /** Stale right now. */
  stale: boolean;
}

export function newSourceStats(source: string, exchange: string): SourceStats {
  return { source, exchange, inputs: 0, updates: 0, malformed: 0, gaps: 0, resyncs: 0, notes: [] };
}

/** What the ingest runs: anything that yields FeedUpdates (a live connection, a recording). */
export interface FeedSource {
  readonly stats: SourceStats;
  updates(): AsyncIterable<FeedUpdate>;
  /**
   * Get fresh venue snapshots of these symbols into `updates()` (an ingest worker died and its
   * books with it). Returns false when the source cannot; the ingest then fails (exit 1) rather
   * than publish books it cannot rebuild.
   */
  requestSnapshots?(symbols: string[]): boolean;
  /**
   * The source stamps each update's receive time itself (a live connection, as the frame
   * arrives); the ingest then keeps that stamp instead of stamping when it routes the update.
   */
  readonly stampsUpdates?: boolean;
}
