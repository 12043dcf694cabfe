import type { Command } from 'commander';
import { ENV_OPTION, configFor } from '../options.js';

export function register(program: Command): void {
  program
    .command('config')
    .description('validate an environment config and print it with defaults filled in')
    .option(...ENV_OPTION)
    .option('--json', 'print the resolved config as JSON')
    .action((opts: { env: string; json?: boolean }) => {
      const cfg = configFor(opts);
      if (opts.json) process.stdout.write(`${JSON.stringify(cfg, null, 2)}\n`);
      else process.stdout.write(`config ${cfg.env}: ok (${cfg.nats.nodes} NATS nodes, ${cfg.exchanges.length} exchanges, ${cfg.identities.length} identities)\n`);
    });
}
