/** Option parsers shared by commands: each rejects bad input with a UsageError naming it. */
import { InvalidArgumentError } from 'commander';
import { loadConfig } from '../config/load.js';
import type { DsmConfig } from '../config/schema.js';

export function positiveInt(name: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError(`${name} must be a positive integer, got "${value}"`);
    return Number(value);
  };
}

/** An integer in [min, max]; anything else (fractions, signs, junk, out of range) is a usage error. */
export function intInRange(name: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min || n > max) throw new InvalidArgumentError(`${name} must be an integer from ${min.toLocaleString('en-US')} to ${max.toLocaleString('en-US')}, got "${value}"`);
    return n;
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
  return loadConfig(opts.env);
}
