/** Option parsers shared by commands: each rejects bad input with a UsageError naming it. */
import { InvalidArgumentError } from 'commander';
import { loadConfig } from '../config/load.js';
import type { DsmConfig } from '../config/schema.js';
import { twinConfigOverride } from '../config/twin-override.js';

export function positiveInt(name: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError(`${name} must be a positive integer, got "${value}"`);
    return Number(value);
  };
}

export function nonNegativeNumber(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`${name} must be a non-negative number, got "${value}"`);
    return n;
  };
}

/** `--env` option shared by every command that reads the deployment config. */
export const ENV_OPTION = ['-e, --env <name>', 'environment config (config/<name>.ts)', process.env.DSM_ENV ?? 'local'] as const;

export function configFor(opts: { env: string }): DsmConfig {
  // `dsm twin` starts the real units with --env prod and moves that config onto loopback.
  return twinConfigOverride(opts.env) ?? loadConfig(opts.env);
}
