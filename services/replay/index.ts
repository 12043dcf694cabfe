/**
 * `dsm book replay` formats: which inputs each takes and the replay that runs them, one per
 * venue in services/feeds/registry.ts (each venue's own replay with its ground truth).
 */
import { VENUES } from '../feeds/registry.js';
import type { ReplayOptions } from './options.js';
import type { ReplaySummary } from './summary.js';

export interface ReplayFormat {
  /** What each positional input is, in order (for usage messages). */
  inputs: string[];
  run: (inputs: string[], opts: ReplayOptions) => Promise<ReplaySummary>;
}

/** One format per venue in the registry, under the venue's name. */
export const REPLAY_FORMATS: Record<string, ReplayFormat> = Object.fromEntries(VENUES.map((v) => [v.name, v.replay]));

export type ReplayFormatName = string;

export function isReplayFormat(name: string): name is ReplayFormatName {
  return Object.hasOwn(REPLAY_FORMATS, name);
}

export { failures } from './summary.js';
export { fileSink, NO_EMIT } from './emit.js';
export type { ReplaySummary, ReplayOptions };
