/**
 * Loading and validating environment configs. Every failure is reported as one line per problem,
 * `<field.path>: <reason>, got <value>`, so an operator can fix it without reading the schema.
 */
import type { z } from 'zod';
import { DsmConfigSchema, type DsmConfig, type DsmConfigInput } from './schema.js';
import { localConfig } from './local.js';
import { prodConfig } from './prod.js';

export class ConfigError extends Error {
  constructor(readonly env: string, readonly problems: string[]) {
    super(`invalid config "${env}": ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

const ENVIRONMENTS: Record<string, DsmConfigInput> = { local: localConfig, prod: prodConfig };

export function environmentNames(): string[] {
  return Object.keys(ENVIRONMENTS);
}

function valueAt(input: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let v: unknown = input;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

export function formatIssues(input: unknown, issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((issue) => {
    const path = issue.path.length ? issue.path.map(String).join('.') : '(root)';
    const got = valueAt(input, issue.path);
    // Custom cross-field messages already quote the offending values; scalars get ", got X".
    const showGot = !/\bgot\b/.test(issue.message) && !(typeof got === 'string' && issue.message.includes(got)) && (got === undefined || typeof got !== 'object');
    return `${path}: ${issue.message}${showGot ? `, got ${describe(got)}` : ''}`;
  });
}

/** Validate a config object; throws ConfigError naming every bad field. */
export function validateConfig(input: unknown, env = 'custom'): DsmConfig {
  const result = DsmConfigSchema.safeParse(input);
  if (!result.success) throw new ConfigError(env, formatIssues(input, result.error.issues));
  return result.data;
}

/** Load a named environment (`local`, `prod`). */
export function loadConfig(env: string): DsmConfig {
  const input = ENVIRONMENTS[env];
  if (!input) throw new ConfigError(env, [`env: unknown environment, expected one of ${environmentNames().join(', ')}, got "${env}"`]);
  return validateConfig(input, env);
}
