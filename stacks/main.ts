/**
 * cdktf app entry (`make synth`, `cdktf synth`): builds the stack for the environment named by
 * DSM_ENV (default prod) into cdktf.out/stacks/dsm-<env>/cdk.tf.json. Needs no AWS credentials
 * and no terraform binary; a config that cannot be deployed exits 2 naming every bad field.
 */
import { App } from './cdktf.js';
import { ConfigError, loadConfig } from '../config/load.js';
import { DsmPlatformStack } from './platform-stack.js';

export function stackName(env: string): string {
  return `dsm-${env}`;
}

function main(): void {
  const env = process.env.DSM_ENV ?? 'prod';
  try {
    const app = new App({ stackTraces: false });
    new DsmPlatformStack(app, stackName(env), loadConfig(env));
    app.synth();
    process.stderr.write(`synthesized ${stackName(env)} -> ${app.outdir}/stacks/${stackName(env)}/cdk.tf.json\n`);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    for (const problem of e.problems) process.stderr.write(`config ${e.env}: ${problem}\n`);
    process.exitCode = 2;
  }
}

main();
