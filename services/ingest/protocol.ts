/** Messages between the ingest orchestrator and its workers (worker_threads postMessage). */
import type { DsmConfig, ExchangeConfig } from '../../config/schema.js';
import type { HopSummary } from '../metrics/latency.js';
import type { BookDump } from './publish-engine.js';
import type { FeedUpdate, SourceStats } from './feed-update.js';

export interface WorkerInit {
  type: 'init';
  config: DsmConfig;
  worker: number;
  tlsDir: string;
  identity: string;
  servers?: string[];
  epoch: number;
  /** Standby workers keep warm books but publish nothing until promoted. */
  publishing: boolean;
  publisherId: string;
  /**
   * Live feeds this worker runs itself, each narrowed to the symbols it owns: frames are decoded,
   * validated and published here, from the venue sync's own book (one book per symbol).
   */
  feeds?: ExchangeConfig[];
  /** Repository root that feed config paths are relative to. */
  root?: string;
  /**
   * A restarted worker (supervisor.ts): its books died with its predecessor, so it publishes a
   * book only once the venue sent a snapshot of it (deltas before that are dropped), and that
   * first snapshot carries RESET because the sequence line restarts.
   */
  rebuild?: boolean;
  /** How many shards the ingest has: a core answers snapshot requests only for the symbols it owns. */
  shards?: number;
  /** Opt-in: pack one symbol's changes of one event-loop turn (or batch) into one message. */
  coalesce?: boolean;
}

export type ToWorker =
  | WorkerInit
  | { type: 'batch'; updates: FeedUpdate[] }
  | { type: 'dump'; id: number }
  /** Current stats, answered after every batch posted before it (the end of a recording). */
  | { type: 'report'; id: number }
  | { type: 'promote'; epoch: number; replayWindowMs: number }
  | { type: 'demote' }
  | { type: 'stop' };

export interface WorkerStats {
  worker: number;
  updates: number;
  published: number;
  publishedBytes: number;
  snapshotRequests: number;
  /** Times the supervisor restarted this worker (supervisor.ts). */
  restarts?: number;
  /** Snapshot requests refused because their reply subject was not an entitled inbox. */
  refusedReplies?: number;
  symbols: number;
  perExchange: Record<string, number>;
  ingestToPublish?: HopSummary;
  /** The cumulative ingest->publish histogram, compressed (about once a second; for interval summaries). */
  ingestToPublishHist?: string;
  /** Stats of the feeds this worker runs (WorkerInit.feeds). */
  sources?: SourceStats[];
  /**
   * Counters of the books this worker keeps for inputs decoded on the ingest thread, per exchange
   * (updates, gaps, resyncs, checksums): merged into the decoding source's stats.
   */
  kept?: SourceStats[];
}

export type FromWorker =
  | { type: 'ready'; worker: number }
  | { type: 'stats'; stats: WorkerStats }
  | { type: 'dump'; id: number; books: BookDump[] }
  | { type: 'report'; id: number; stats: WorkerStats }
  | { type: 'stopped'; stats: WorkerStats }
  | { type: 'feeds-ended'; worker: number; sources: SourceStats[] }
  | { type: 'error'; worker: number; message: string }
  /** The worker threw applying `input` (its description) and is exiting. */
  | { type: 'crash'; worker: number; message: string; stack?: string; input?: string };
