/**
 * Progress for long-running commands: a cli-progress bar on a terminal, plain log lines
 * elsewhere (CI, pipes), so output stays readable in both.
 */
import cliProgress from 'cli-progress';
import { childLogger } from '../services/common/log.js';

export interface Progress {
  update(done: number, note?: string): void;
  stop(): void;
}

export function progress(label: string, total: number): Progress {
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar({ format: `${label} [{bar}] {value}/{total} {note}`, stream: process.stderr, hideCursor: true, clearOnComplete: false }, cliProgress.Presets.shades_classic);
    bar.start(total, 0, { note: '' });
    return { update: (done, note = '') => bar.update(done, { note }), stop: () => bar.stop() };
  }
  const log = childLogger('progress');
  let last = -1;
  return {
    update(done, note) { if (done !== last) { last = done; log.info({ done, total, note }, label); } },
    stop() { /* nothing to tidy */ },
  };
}
