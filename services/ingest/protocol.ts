/** Messages between the ingest orchestrator and its workers (worker_threads postMessage). */
import type { DsmConfig } from '../../config/schema.js';
import type { HopSummary } from '../metrics/latency.js';
import type { BookDump } from './publish-engine.js';
import type { FeedUpdate } from './feed-update.js';

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
  /** Opt-in: pack one symbol's changes of one event-loop turn (or batch) into one message. */
  coalesce?: boolean;
}

export type ToWorker =
  | WorkerInit
  | { type: 'batch'; updates: FeedUpdate[] }
  | { type: 'dump'; id: number }
  | { type: 'promote'; epoch: number; replayWindowMs: number }
  | { type: 'demote' }
  | { type: 'stop' };

export interface WorkerStats {
  worker: number;
  updates: number;
  published: number;
  publishedBytes: number;
  snapshotRequests: number;
  symbols: number;
  perExchange: Record<string, number>;
  ingestToPublish?: HopSummary;
}

export type FromWorker =
  | { type: 'ready'; worker: number }
  | { type: 'stats'; stats: WorkerStats }
  | { type: 'dump'; id: number; books: BookDump[] }
  | { type: 'stopped'; stats: WorkerStats }
  | { type: 'error'; worker: number; message: string };
