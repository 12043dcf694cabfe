/**
 * `dsm book replay` formats: which inputs each takes and the replay that runs them. Adding a
 * format is one entry here.
 */
import { replayBinance } from './binance.js';
import { replayCoinbase } from './coinbase.js';
import { replayItch } from './itch.js';
import { replayKraken } from './kraken.js';
import { replayLobster } from './lobster.js';
import type { ReplayOptions } from './options.js';
import type { ReplaySummary } from './summary.js';

export interface ReplayFormat {
  /** What each positional input is, in order (for usage messages). */
  inputs: string[];
  run: (inputs: string[], opts: ReplayOptions) => Promise<ReplaySummary>;
}

export const REPLAY_FORMATS = {
  lobster: { inputs: ['message.csv', 'orderbook.csv'], run: replayLobster },
  binance: { inputs: ['ws-capture', 'rest-capture'], run: replayBinance },
  kraken: { inputs: ['capture'], run: replayKraken },
  coinbase: { inputs: ['capture'], run: replayCoinbase },
  itch: { inputs: ['itch-file'], run: replayItch },
} satisfies Record<string, ReplayFormat>;

export type ReplayFormatName = keyof typeof REPLAY_FORMATS;

export function isReplayFormat(name: string): name is ReplayFormatName {
  return Object.hasOwn(REPLAY_FORMATS, name);
}

export { failures } from './summary.js';
export { fileSink, NO_EMIT } from './emit.js';
export type { ReplaySummary, ReplayOptions };
