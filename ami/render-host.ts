/**
 * Writes the config-derived host files of every environment (or one) for the AMI bundle:
 *   <out>/<env>/host.env            (ami/host-env.ts)
 *   <out>/<env>/systemd/<unit>      (ami/units.ts)
 * Usage: npx tsx ami/render-host.ts --out DIR [--env NAME]
 * Run by ami/scripts/make-bundle.sh; the provisioning scripts install the files of DSM_ENV.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { environmentNames, loadConfig, ConfigError } from '../config/load.js';
import { renderHostEnv, HostConfigError } from './host-env.js';
import { renderUnits } from './units.js';

export function writeHostFiles(env: string, outDir: string): string[] {
  const cfg = loadConfig(env);
  const dir = path.join(outDir, env);
  mkdirSync(path.join(dir, 'systemd'), { recursive: true });
  const written = [path.join(dir, 'host.env')];
  writeFileSync(written[0]!, renderHostEnv(cfg), { mode: 0o644 });
  for (const [name, text] of Object.entries(renderUnits(cfg))) {
    const file = path.join(dir, 'systemd', name);
    writeFileSync(file, text, { mode: 0o644 });
    written.push(file);
  }
  return written;
}

function main(): number {
  const { values } = parseArgs({ options: { out: { type: 'string' }, env: { type: 'string' } } });
  if (!values.out) {
    process.stderr.write('render-host: --out DIR is required\n');
    return 2;
  }
  try {
    for (const env of values.env ? [values.env] : environmentNames()) writeHostFiles(env, values.out);
    return 0;
  } catch (err) {
    if (err instanceof ConfigError) for (const p of err.problems) process.stderr.write(`render-host: config ${err.env}: ${p}\n`);
    else if (err instanceof HostConfigError) process.stderr.write(`render-host: ${err.message}\n`);
    else throw err;
    return 2;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) process.exitCode = main();
