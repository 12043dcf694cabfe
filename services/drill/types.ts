/**
 * Contracts between the drill engine, the targets it drives (local processes, AWS) and the load
 * it measures. The pipeline (ingest + subscriber library) plugs in by implementing `DrillLoad`
 * and `LocalServices`; the engine never needs to know what is behind them.
 */

export type TargetName = 'local' | 'aws';
export const TARGETS: readonly TargetName[] = ['local', 'aws'];

/** Counters of one subscriber (a book mirror) since the load started. */
export interface SubscriberCounters {
  name: string;
  /** Book updates received (applied or not). */
  received: number;
  /** Sequence gaps detected (each one leads to a resync). */
  gaps: number;
  /** Snapshot resyncs completed (the initial snapshot is not counted). */
  resyncs: number;
  /** Updates dropped because their sequence was already applied. */
  duplicatesDropped: number;
  /** Epoch milliseconds (Date.now() scale, fractions allowed) of the latest update received. */
  lastUpdateAt: number | undefined;
  /**
   * Publish time (epoch ms, the publisher's stamp) of that latest update, when the load knows it.
   * Recovery then counts only updates published after the fault: updates already in flight or
   * in a socket buffer when the fault hit say nothing about recovery.
   */
  lastPublishedAt?: number | undefined;
  /** Times the subscriber's NATS connection dropped. */
  disconnects: number;
}

export interface LoadCounters {
  /** Book updates the ingest side published. */
  published: number;
  subscribers: SubscriberCounters[];
}

/**
 * Load the drill measures under. Lifecycle: start -> (snapshotCounters)* -> stop -> booksConsistent -> close.
 * The built-in sequenced load implements it; the real pipeline (issue 4) will too.
 */
export interface DrillLoad {
  /** One line for the report, e.g. "built-in: 1000 msg/s on NYSE.DRILL.orderbook, 2 subscribers". */
  readonly description: string;
  start(): Promise<void>;
  /** Cheap and synchronous: the engine polls it every few milliseconds to time recovery. */
  snapshotCounters(): LoadCounters;
  /** Stop publishing and let subscribers settle (catch up or resync); returns the final counters. */
  stop(): Promise<LoadCounters>;
  /** After stop: does every subscriber's book equal the ingest's? */
  booksConsistent(): Promise<boolean>;
  close(): Promise<void>;
  /** Optional: a load that owns its feed can cut and restore it (Direct Connect loss drills). */
  pauseFeed?(): void;
  resumeFeed?(): void;
  /** Optional: scale the load's subscribers out and in; returns the subscriber's name. */
  addSubscriber?(): Promise<string>;
  removeSubscriber?(): Promise<string>;
}

/**
 * Local services the pipeline will provide (issue 4 and hot-standby ingestion). Until then the
 * drill uses `unavailableLocalServices`, which fails each call with a clear message.
 */
export interface LocalServices {
  startSubscriber(): Promise<string>;
  stopSubscriber(name?: string): Promise<string>;
  subscriberCount(): Promise<number>;
  /** SIGKILL the ingest process that currently holds the lease; returns its name. */
  killIngestLeader(): Promise<string>;
  /** Start any ingest process of the configured pair that is not running. */
  ensureIngestRunning(): Promise<void>;
  /** Name of the current lease holder, if any. */
  ingestLeader(): Promise<string | undefined>;
  /** Cut / restore the ingest processes' feed input (the local stand-in for a Direct Connect loss). */
  pauseFeed(): Promise<void>;
  resumeFeed(): Promise<void>;
}

export class NotAvailableError extends Error {
  constructor(what: string) {
    super(`${what} is not available yet: no local service provides it (ingest failover needs the hot-standby pair: --load pipeline-ha)`);
    this.name = 'NotAvailableError';
  }
}

export const unavailableLocalServices: LocalServices = {
  startSubscriber: () => Promise.reject(new NotAvailableError('start-subscriber')),
  stopSubscriber: () => Promise.reject(new NotAvailableError('stop-subscriber')),
  subscriberCount: () => Promise.reject(new NotAvailableError('subscriber count')),
  killIngestLeader: () => Promise.reject(new NotAvailableError('kill-ingest-leader')),
  ensureIngestRunning: () => Promise.reject(new NotAvailableError('start-ingest')),
  ingestLeader: () => Promise.reject(new NotAvailableError('ingest leader lookup')),
  pauseFeed: () => Promise.reject(new NotAvailableError('block-feed')),
  resumeFeed: () => Promise.reject(new NotAvailableError('unblock-feed')),
};

/** A parsed `action arg=value ...` call. */
export interface Call {
  name: string;
  args: Record<string, string>;
  line: number;
}

/** What a step handler may tell the engine. */
export interface ActionOutcome {
  /** Human detail for the timeline ("SIGKILL nats-2 (pid 4242)"). */
  detail?: string;
  /** When the fault actually happened (epoch ms), if not when the action started. */
  faultAt?: number;
}

export interface CheckOutcome {
  ok: boolean;
  detail: string;
}

/** State a drill run shares with its target's handlers. */
export interface DrillContext {
  dryRun: boolean;
  /** Counters when the load had warmed up, before the first step. */
  baseline: LoadCounters | undefined;
  load: DrillLoad | undefined;
  /** Scratch space that survives from a step to the rollback (e.g. an ASG's original capacity). */
  memory: Map<string, unknown>;
  /** Dry-run output: every call the drill would make. */
  plan: string[];
}

export interface DrillTarget {
  readonly name: TargetName;
  /** Why the environment is not fit for a drill; empty when healthy. Read-only, allowed in dry-run. */
  preflight(ctx: DrillContext): Promise<string[]>;
  action(call: Call, ctx: DrillContext): Promise<ActionOutcome | void>;
  /** One evaluation of a check; the engine polls it until ok or `within` expires. */
  check(call: Call, ctx: DrillContext): Promise<CheckOutcome>;
  close(): Promise<void>;
}
