/**
 * Option parsers shared by commands: each rejects bad input with commander's InvalidArgumentError,
 * which main turns into one line and exit 2. Use them for every numeric flag so `--seconds abc`
 * never becomes NaN (or a silent 0) further down.
 */
import path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { loadConfigFile, withPorts } from '../config/file.js';
import { loadConfig } from '../config/load.js';
import type { DsmConfig } from '../config/schema.js';
import { twinConfigOverride } from '../config/twin-override.js';
import { UsageError } from './exit.js';

export function positiveInt(name: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError(`${name} must be a positive integer, got "${value}"`);
    return Number(value);
  };
}

export function nonNegativeInt(name: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`${name} must be a non-negative integer, got "${value}"`);
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

export function positiveNumber(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive number, got "${value}"`);
    return n;
  };
}

/** A TCP port; 0 only where the caller says "0 picks a free one". */
export function portNumber(name: string, allowZero = false) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n > 65535 || (n === 0 && !allowZero)) throw new InvalidArgumentError(`${name} must be a port number (${allowZero ? 0 : 1}-65535), got "${value}"`);
    return n;
  };
}

/** `--env` option shared by every command that reads the deployment config. */
export const ENV_OPTION = ['-e, --env <name>', 'environment config (config/<name>.ts)', process.env.DSM_ENV ?? 'local'] as const;
/** Added by main to every command that has --env (see addConfigOptions). */
export const CONFIG_OPTION = ['--config <file>', 'environment from a file (.json, or .ts/.js exporting it as default); validated like config/<env>.ts (default: $DSM_CONFIG)'] as const;
export const PORTS_OPTION = ['--ports <spec>', 'override the NATS ports: a base (client, cluster and monitor ranges follow it) or CLIENT,CLUSTER,MONITOR'] as const;

export interface ConfigOpts {
  env: string;
  config?: string;
  ports?: string;
}

/** Files read by the preAction hook (imports are async; configFor stays synchronous). */
const fileConfigs = new Map<string, DsmConfig>();

/** The environment a command runs against: --config FILE, else --env NAME; then --ports. */
export function configFor(opts: { env: string }): DsmConfig {
  const o = opts as ConfigOpts;
  let cfg: DsmConfig;
  if (o.config) {
    const loaded = fileConfigs.get(path.resolve(o.config));
    if (!loaded) throw new Error(`internal: --config ${o.config} was not loaded before the action ran`);
    cfg = loaded;
  } else {
    // `dsm twin` starts the real units with --env prod and moves that config onto loopback.
    cfg = twinConfigOverride(o.env) ?? loadConfig(o.env);
  }
  return o.ports ? withPorts(cfg, o.ports) : cfg;
}

/** Give every command that takes --env the --config and --ports options, and load the file before the action. */
export function addConfigOptions(program: Command): void {
  const visit = (cmd: Command) => {
    if (cmd.options.some((o) => o.long === '--env')) {
      cmd.option(...CONFIG_OPTION);
      if (process.env.DSM_CONFIG) cmd.setOptionValueWithSource('config', process.env.DSM_CONFIG, 'env');
      cmd.option(...PORTS_OPTION);
    }
    cmd.commands.forEach(visit);
  };
  program.commands.forEach(visit);
  program.hook('preAction', async (_program, action) => {
    const opts = action.opts() as Partial<ConfigOpts>;
    if (!opts.config) return;
    // An explicit --env beats $DSM_CONFIG; an explicit --env that contradicts --config is an error.
    const envSource = action.getOptionValueSource('env');
    const configSource = action.getOptionValueSource('config');
    if (configSource === 'env' && envSource === 'cli') { action.setOptionValue('config', undefined); return; }
    const cfg = await loadConfigFile(opts.config);
    if (envSource === 'cli' && opts.env !== cfg.env) throw new UsageError(`--env ${opts.env} contradicts --config ${opts.config}, which defines env "${cfg.env}"; pass one of them`);
    action.setOptionValue('env', cfg.env);
    fileConfigs.set(path.resolve(opts.config), cfg);
  });
}
