/**
 * What a feed source hands the ingest: the exact change the venue's own sync logic made to one
 * symbol's book, with the event's tags. Sources keep venue state (sequence rules, checksums);
 * the worker that owns the symbol applies the change to the published book.
 */
import type { LevelChange, PriceFormat, Scaled } from '../marketdata/events.js';

export interface FeedUpdate {
  /** `snapshot` replaces the book (venue snapshot or resync); `delta` changes some levels. */
  kind: 'snapshot' | 'delta';
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
  /** Free-form notes the report shows, e.g. "levels beyond the top 10 filled from the orderbook file". */
  notes: string[];
}

export function newSourceStats(source: string, exchange: string): SourceStats {
  return { source, exchange, inputs: 0, updates: 0, malformed: 0, gaps: 0, resyncs: 0, notes: [] };
}
