/**
 * `dsm certs push`: write a TLS directory (made by `dsm certs init`) into the SSM SecureString
 * parameters the stacks created with placeholders. Values go straight from files to SSM, never
 * into Terraform; `--dry-run` prints the calls (names, key, sizes) and never a value.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { Command } from 'commander';
import type { DsmConfig } from '../../config/schema.js';
import { natsNodes } from '../../config/topology.js';
import { allTlsParameters, tlsKeyAlias } from '../../config/tls-layout.js';
import { CommandFailed, UsageError } from '../exit.js';
import { DIR_OPTION, localDir } from '../local-dir.js';
import { ENV_OPTION, configFor } from '../options.js';

export interface PushOptions {
  dryRun: boolean;
  write: (line: string) => void;
}

/** Every parameter of the environment, from its file in `dir`; fails before any call if one is missing. */
export async function pushTlsMaterial(client: Pick<SSMClient, 'send'>, cfg: DsmConfig, dir: string, opts: PushOptions): Promise<string[]> {
  const params = allTlsParameters(cfg.env, natsNodes(cfg).map((n) => n.name), cfg.identities.map((i) => i.name));
  const values = await Promise.all(params.map((p) => readFile(path.join(dir, p.file), 'utf8').catch(() => undefined)));
  const missing = params.filter((p, i) => !values[i]?.includes('-----BEGIN')).map((p) => p.file);
  if (missing.length) throw new CommandFailed(`no PEM in ${dir} for ${missing.join(', ')}; run dsm certs init --env ${cfg.env} --dir ${dir}`);
  const keyId = tlsKeyAlias(cfg.env);
  for (const [i, p] of params.entries()) {
    const value = values[i]!;
    opts.write(`${opts.dryRun ? 'would PutParameter' : 'PutParameter'} ${p.name} (SecureString, ${keyId}, ${Buffer.byteLength(value)} bytes)`);
    if (opts.dryRun) continue;
    try {
      await client.send(new PutParameterCommand({ Name: p.name, Type: 'SecureString', KeyId: keyId, Value: value, Overwrite: true }));
    } catch (err) {
      const e = err as { name?: string; message?: string };
      throw new CommandFailed(`PutParameter ${p.name} failed: ${e.name ?? 'Error'}: ${e.message ?? String(err)}`);
    }
  }
  return params.map((p) => p.name);
}

export function register(program: Command): void {
  const certs = program.commands.find((c) => c.name() === 'certs') ?? program.command('certs');
  certs
    .command('push')
    .description('write the TLS directory into the SSM SecureString parameters the AWS stack created (/dsm/<env>/tls/...)')
    .option(...ENV_OPTION)
    .option(...DIR_OPTION)
    .option('--region <region>', 'AWS region (default: the config\'s aws.region)')
    .option('--dry-run', 'print the PutParameter calls (never the values) without making them')
    .action(async (opts: { env: string; dir?: string; region?: string; dryRun?: boolean }) => {
      const cfg = configFor(opts);
      const region = opts.region ?? cfg.aws?.region;
      if (!region) throw new UsageError(`environment "${cfg.env}" has no aws.region; pass --region`);
      const dir = opts.dir ? path.resolve(opts.dir) : path.join(localDir(cfg.env), 'tls');
      const names = await pushTlsMaterial(new SSMClient({ region }), cfg, dir, { dryRun: opts.dryRun === true, write: (l) => process.stdout.write(`${l}\n`) });
      process.stdout.write(`${opts.dryRun ? 'dry run: ' : ''}${names.length} parameters ${opts.dryRun ? 'to write' : 'written'}\n`);
    });
}
