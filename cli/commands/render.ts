import type { Command } from 'commander';
import { writeFile } from 'node:fs/promises';
import { renderNatsConfig } from '../../services/nats/render.js';
import { UsageError } from '../exit.js';
import { ENV_OPTION, configFor, positiveInt } from '../options.js';

export function register(program: Command): void {
  const render = program.command('render').description('render configuration files from the environment config');
  render
    .command('nats-config')
    .description('render one node\'s nats-server.conf (used at boot on EC2 and by the local cluster)')
    .option(...ENV_OPTION)
    .requiredOption('--node <n>', 'node number, 1-based', positiveInt('--node'))
    .option('--tls-dir <dir>', 'directory with ca.crt, servers/ and clients/', '/etc/nats/tls')
    .option('--log-file <file>', 'log to a file instead of stderr')
    .option('--out <file>', 'write here instead of stdout')
    .action(async (opts: { env: string; node: number; tlsDir: string; logFile?: string; out?: string }) => {
      const cfg = configFor(opts);
      if (opts.node > cfg.nats.nodes) throw new UsageError(`--node must be between 1 and ${cfg.nats.nodes}, got ${opts.node}`);
      const text = renderNatsConfig(cfg, opts.node, { tlsDir: opts.tlsDir, logFile: opts.logFile });
      if (opts.out) await writeFile(opts.out, text, { mode: 0o640 });
      else process.stdout.write(text);
    });
}
