import type { Command } from 'commander';
import path from 'node:path';
import { describeCertificate, initCerts } from '../../services/nats/certs.js';
import { DIR_OPTION, localDir } from '../local-dir.js';
import { ENV_OPTION, configFor } from '../options.js';

export function register(program: Command): void {
  const certs = program.command('certs').description('cluster certificates: a CA, one server certificate per node, one client certificate per identity');
  certs
    .command('init')
    .description('create the CA and every missing server/client certificate (keys 0600); existing files are kept')
    .option(...ENV_OPTION)
    .option(...DIR_OPTION)
    .option('--force', 'replace everything, including the CA')
    .option('--days <n>', 'leaf certificate validity in days', '397')
    .action(async (opts: { env: string; dir?: string; force?: boolean; days: string }) => {
      const cfg = configFor(opts);
      const dir = opts.dir ? path.resolve(opts.dir) : path.join(localDir(cfg.env), 'tls');
      const res = await initCerts(cfg, dir, { force: opts.force, days: Number(opts.days) });
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
      const files = [
        ...Array.from({ length: cfg.nats.nodes }, (_, i) => path.join(dir, 'servers', `nats-${i + 1}.crt`)),
        ...cfg.identities.map((id) => path.join(dir, 'clients', `${id.name}.crt`)),
      ];
      for (const f of files) {
        const d = await describeCertificate(f).catch(() => undefined);
        process.stdout.write(d ? `${path.relative(dir, f)}: ${d.subject}; ${d.sans.join(', ') || 'no SANs'}; until ${d.notAfter}\n` : `${path.relative(dir, f)}: missing\n`);
      }
    });
}
