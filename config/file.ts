/**
 * Environments defined outside config/: `--config FILE` on the CLI and `DSM_CONFIG` for the stacks.
 * A file is JSON, or a TypeScript/JavaScript module whose default export (or `config` export) is
 * the environment; either way it is validated by the same schema as config/<env>.ts, and every
 * problem names its field. TypeScript is loaded with tsx (a runtime dependency already).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { tsImport } from 'tsx/esm/api';
import { ConfigError, validateConfig } from './load.js';
import type { DsmConfig } from './schema.js';

const MODULE_EXT = new Set(['.ts', '.mts', '.js', '.mjs']);

/** Read an environment file; throws ConfigError (exit 2 in the CLI) for anything wrong with it. */
export async function loadConfigFile(file: string): Promise<DsmConfig> {
  const abs = path.resolve(file);
  const label = path.basename(file);
  if (!existsSync(abs)) throw new ConfigError(label, [`--config: file not found: ${file}`]);
  if (!statSync(abs).isFile()) throw new ConfigError(label, [`--config: not a file: ${file}`]);
  const ext = path.extname(abs).toLowerCase();
  let input: unknown;
  if (ext === '.json') {
    try { input = JSON.parse(readFileSync(abs, 'utf8')); } catch (e) {
      throw new ConfigError(label, [`(file): not valid JSON: ${(e as Error).message}`]);
    }
  } else if (MODULE_EXT.has(ext)) {
    let mod: Record<string, unknown>;
    // tsImport loads TypeScript wherever the file lives (a .ts outside this package would otherwise
    // be taken for CommonJS), under `dsm` and the stacks' entry alike.
    try { mod = await tsImport(pathToFileURL(abs).href, import.meta.url) as Record<string, unknown>; } catch (e) {
      throw new ConfigError(label, [`(file): cannot load module: ${(e as Error).message.split('\n')[0]}`]);
    }
    input = mod.default ?? mod.config;
    // A file outside an ESM package loads as CommonJS: its exports sit one level down.
    const inner = input as Record<string, unknown> | undefined;
    if (inner && typeof inner === 'object' && !('env' in inner) && ('default' in inner || 'config' in inner)) input = inner.default ?? inner.config;
    if (input === undefined) throw new ConfigError(label, ['(file): the module must export the environment as default or as `config`']);
  } else {
    throw new ConfigError(label, [`--config: expected a .json, .ts or .js file, got "${ext || file}"`]);
  }
  const env = typeof input === 'object' && input !== null && typeof (input as { env?: unknown }).env === 'string' ? (input as { env: string }).env : label;
  return validateConfig(input, env);
}

/** `--ports CLIENT[,CLUSTER,MONITOR]`: one number is a base (client, cluster, monitor ranges follow it). */
export function parsePorts(spec: string, nodes: number): { client: number; cluster: number; monitor: number } {
  const parts = spec.split(',').map((s) => s.trim());
  const nums = parts.map(Number);
  if (!(parts.length === 1 || parts.length === 3) || parts.some((p) => !/^\d+$/.test(p)) || nums.some((n) => n < 1 || n > 65535)) {
    throw new ConfigError('ports', [`--ports must be a port number (base) or CLIENT,CLUSTER,MONITOR ports, got "${spec}"`]);
  }
  if (parts.length === 1) {
    const base = nums[0]!;
    if (base + 3 * nodes - 1 > 65535) throw new ConfigError('ports', [`--ports base ${base} leaves no room for ${3 * nodes} ports`]);
    return { client: base, cluster: base + nodes, monitor: base + 2 * nodes };
  }
  return { client: nums[0]!, cluster: nums[1]!, monitor: nums[2]! };
}

/** The same config with its NATS ports overridden, validated again (ranges must not overlap). */
export function withPorts(cfg: DsmConfig, spec: string): DsmConfig {
  const ports = parsePorts(spec, cfg.nats.nodes);
  return validateConfig({ ...cfg, nats: { ...cfg.nats, ports } }, cfg.env);
}
