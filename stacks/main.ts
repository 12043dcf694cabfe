/**
 * cdktf app entry (`make synth`, `cdktf synth`): builds the stack for the environment named by
 * DSM_ENV (default prod), or defined in the file DSM_CONFIG names (.json or .ts, the same format as
 * `dsm --config`), into cdktf.out/stacks/dsm-<env>/cdk.tf.json. Needs no AWS credentials and no
 * terraform binary; a config that cannot be deployed exits 2 naming every bad field.
 */
import { App } from './cdktf.js';
import { loadConfigFile } from '../config/file.js';
import { ConfigError, loadConfig } from '../config/load.js';
import { DsmPlatformStack } from './platform-stack.js';

export function stackName(env: string): string {
  return `dsm-${env}`;
}

async function main(): Promise<void> {
  try {
    if (process.env.DSM_CONFIG && process.env.DSM_ENV) throw new ConfigError('DSM_CONFIG', [`DSM_ENV=${process.env.DSM_ENV} and DSM_CONFIG=${process.env.DSM_CONFIG} both name an environment; set one of them`]);
    const cfg = process.env.DSM_CONFIG ? await loadConfigFile(process.env.DSM_CONFIG) : loadConfig(process.env.DSM_ENV ?? 'prod');
    const env = cfg.env;
    const app = new App({ stackTraces: false });
    new DsmPlatformStack(app, stackName(env), cfg);
    app.synth();
    process.stderr.write(`synthesized ${stackName(env)} -> ${app.outdir}/stacks/${stackName(env)}/cdk.tf.json\n`);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    for (const problem of e.problems) process.stderr.write(`config ${e.env}: ${problem}\n`);
    process.exitCode = 2;
  }
}

await main();
