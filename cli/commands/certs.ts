import type { Command } from 'commander';
import path from 'node:path';
import { describeCertificate, initCerts } from '../../services/nats/certs.js';
import { DIR_OPTION, localDir } from '../local-dir.js';
import { ENV_OPTION, configFor, positiveInt } from '../options.js';
import { CommandFailed, UsageError } from '../exit.js';
import { existsSync, statSync } from 'node:fs';

export function register(program: Command): void {
  const certs = program.command('certs').description('cluster certificates: a CA, one server certificate per node, one client certificate per identity');
  certs
    .command('init')
    .description('create the CA and every missing server/client certificate (keys 0600); existing files are kept')
    .option(...ENV_OPTION)
    .option(...DIR_OPTION)
    .option('--force', 'replace everything, including the CA')
    .option('--days <n>', 'leaf certificate validity in days', positiveInt('--days'), 397)
    .action(async (opts: { env: string; dir?: string; force?: boolean; days: number }) => {
      const cfg = configFor(opts);
      const dir = opts.dir ? path.resolve(opts.dir) : path.join(localDir(cfg.env), 'tls');
      const res = await initCerts(cfg, dir, { force: opts.force, days: opts.days });
      process.stdout.write(`certificates in ${dir}: ${res.created.length} created, ${res.kept.length} kept\n`);
      for (const f of res.created) process.stdout.write(`  + ${path.relative(dir, f)}\n`);
    });
  certs
    .command('show')
    .description('print the subject, SANs and expiry of every certificate in a directory')
    .option(...ENV_OPTION)
    .option(...DIR_OPTION)
    .action(async (opts: { env: string; dir?: string }) => {
      const cfg = configFor(opts);
      const dir = opts.dir ? path.resolve(opts.dir) : path.join(localDir(cfg.env), 'tls');
      if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`certs show: no directory ${dir} (create certificates with dsm certs init${opts.dir ? ` --dir ${opts.dir}` : ''})`);
      const files = [
        ...Array.from({ length: cfg.nats.nodes }, (_, i) => path.join(dir, 'servers', `nats-${i + 1}.crt`)),
        ...cfg.identities.map((id) => path.join(dir, 'clients', `${id.name}.crt`)),
      ];
      let missing = 0;
      for (const f of files) {
        const d = await describeCertificate(f).catch(() => undefined);
        if (!d) missing++;
        process.stdout.write(d ? `${path.relative(dir, f)}: ${d.subject}; ${d.sans.join(', ') || 'no SANs'}; until ${d.notAfter}\n` : `${path.relative(dir, f)}: missing\n`);
      }
      if (missing) throw new CommandFailed(`${missing} of ${files.length} certificates missing in ${dir}; create them with dsm certs init${opts.dir ? ` --dir ${opts.dir}` : ''}`);
    });
}
