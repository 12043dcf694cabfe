/**
 * Output conventions every command shares: results on stdout (human on a terminal, JSON with
 * --json where offered), progress and startup notes on stderr, and `-q`/`-v` (added by main to
 * every command) to silence notes and info logs or to show debug logs. Use `note()` for a line an
 * operator wants to see (`subscribing to ... on ...`) but a script may silence.
 */
import type { Command } from 'commander';
import { UsageError } from './exit.js';

let quiet = false;

export function note(line: string): void {
  if (!quiet) process.stderr.write(`${line}\n`);
}

export function isQuiet(): boolean {
  return quiet;
}

/** -q/--quiet and -v/--verbose on every leaf command; they set DSM_LOG_LEVEL before any logger exists. */
export function addVerbosityOptions(program: Command): void {
  const visit = (cmd: Command) => {
    if (cmd.commands.length === 0) cmd.option('-q, --quiet', 'only errors (no startup notes, warn-level logs)').option('-v, --verbose', 'debug logs (DSM_LOG_LEVEL=debug)');
    cmd.commands.forEach(visit);
  };
  program.commands.forEach(visit);
  program.hook('preAction', (_program, action) => {
    const o = action.opts() as { quiet?: boolean; verbose?: boolean };
    if (o.quiet && o.verbose) throw new UsageError('-q and -v contradict each other');
    quiet = o.quiet === true;
    if (o.quiet) process.env.DSM_LOG_LEVEL = 'warn';
    if (o.verbose) process.env.DSM_LOG_LEVEL = 'debug';
  });
}
