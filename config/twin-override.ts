/**
 * The production twin (`dsm twin`) runs the real units with the real arguments (`--env prod`),
 * on one machine. The one thing it changes is where the environment's config comes from:
 * DSM_TWIN_CONFIG names a JSON file holding that environment's config moved onto loopback
 * (free ports, recorded feeds). It applies only to the environment the file names, is validated
 * by the same schema, and is never set on a real host.
 */
import { readFileSync } from 'node:fs';
import { ConfigError, validateConfig } from './load.js';
import type { DsmConfig } from './schema.js';

export const TWIN_CONFIG_ENV = 'DSM_TWIN_CONFIG';

/** The twin's config for `env` when DSM_TWIN_CONFIG is set and names that environment. */
export function twinConfigOverride(env: string, environ: NodeJS.ProcessEnv = process.env): DsmConfig | undefined {
  const file = environ[TWIN_CONFIG_ENV];
  if (!file) return undefined;
  let input: unknown;
  try { input = JSON.parse(readFileSync(file, 'utf8')); } catch (e) {
    throw new ConfigError(env, [`${TWIN_CONFIG_ENV}: cannot read ${file}: ${(e as Error).message}`]);
  }
  const named = (input as { env?: unknown } | null)?.env;
  if (named !== env) return undefined;
  return validateConfig(input, env);
}
