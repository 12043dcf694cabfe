/**
 * One venue, one unit: everything the platform needs to know about a venue, exported by
 * services/feeds/<venue>/index.ts and listed in registry.ts. Live sources, capture sources,
 * `dsm book replay` and `dsm record` find venues only through the registry.
 * (The venue's config kinds are pure zod in <venue>/config.ts, listed in config-kinds.ts, so
 * the config schema can read them without loading any of this.)
 */
import type { ExchangeConfig } from '../../config/schema.js';
import type { FeedSource } from '../ingest/feed-update.js';
import type { ReplayOptions } from '../replay/options.js';
import type { ReplaySummary } from '../replay/summary.js';
import type { PlanOptions, RecordingPlan } from './capture/plan.js';
import type { BookKeeper } from './live.js';

export interface SourceContext {
  /** Config paths are relative to the repository root. */
  resolve(path: string): string;
}

export interface VenueDefinition {
  /** Lower-case id: the `dsm book replay --format` and `dsm record --venue` name. */
  readonly name: string;
  /** Feed kinds (config `exchanges[].feed.kind`) this venue runs, split by whether they need the network. */
  readonly liveKinds: readonly string[];
  readonly recordedKinds: readonly string[];
  /**
   * Live kinds whose source can be opened for any subset of the symbols (one connection per
   * subset): the ingest runs each in the shard that owns the symbols, so the venue sync's book is
   * the published book. Others (a multicast stream carrying every symbol) run on the ingest thread.
   */
  readonly shardableKinds: readonly string[];
  /**
   * The feed source for an exchange configured with one of this venue's kinds: a live
   * connection (with its subscription plan and recovery procedure) or a recorded session.
   */
  source(ex: ExchangeConfig, ctx: SourceContext): FeedSource;
  /**
   * The venue's book keeping for an exchange whose source decodes on the ingest's main thread
   * (recordings, a multicast stream) and routes each decoded input (FeedUpdate kind 'input') to
   * the worker that owns the symbol: that worker keeps the one book here and publishes from it.
   */
  keeper?(exchange: string): BookKeeper;
  /** `dsm book replay`: the inputs it takes and the replay that checks them against the venue's ground truth. */
  readonly replay: { inputs: string[]; run(inputs: string[], opts: ReplayOptions): Promise<ReplaySummary> };
  /** `dsm record`: where to connect and what to subscribe to (venues that have a WebSocket feed). */
  readonly record?: (symbols: string[], opts: PlanOptions) => RecordingPlan;
}

/** Narrow an exchange's feed config to one kind (a venue's source() receives only its own kinds). */
export function feedOf<K extends ExchangeConfig['feed']['kind']>(ex: ExchangeConfig, kind: K): Extract<ExchangeConfig['feed'], { kind: K }> | undefined {
  return ex.feed.kind === kind ? (ex.feed as Extract<ExchangeConfig['feed'], { kind: K }>) : undefined;
}
