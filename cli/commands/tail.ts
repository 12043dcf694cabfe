import type { Command } from 'commander';
import { connectAs } from '../../services/nats/connect.js';
import { checkDataPattern, SubjectError } from '../../services/subscriber/subjects.js';
import { decodeInto, toJson, WireMessage } from '../../services/wire/index.js';
import { SERVERS_OPTION, TLS_DIR_OPTION, serversFor, tlsDirFor } from '../connection-options.js';
import { UsageError } from '../exit.js';
import { ENV_OPTION, configFor } from '../options.js';

export function register(program: Command): void {
  program
    .command('tail')
    .description('print decoded updates on a subject live, as JSON, for people')
    .argument('<subject>', 'data subject or wildcard, e.g. NASDAQ.*.orderbook')
    .option('--identity <name>', 'client certificate identity', 'ops')
    .option('-n, --count <n>', 'stop after this many messages')
    .option('--compact', 'one line per message')
    .option(...ENV_OPTION)
    .option(...TLS_DIR_OPTION)
    .option(...SERVERS_OPTION)
    .action(async (subject: string, opts: { identity: string; count?: string; compact?: boolean; env: string; tlsDir?: string; servers?: string }) => {
      const config = configFor(opts);
      try { checkDataPattern(subject, config.subjects.controlPrefix, config.subjects.dataSuffix); } catch (e) {
        if (e instanceof SubjectError) throw new UsageError(e.message);
        throw e;
      }
      const limit = opts.count ? Number(opts.count) : Infinity;
      const nc = await connectAs(config, opts.identity, { tlsDir: tlsDirFor(config, opts), servers: serversFor(config, opts), name: 'dsm-tail' });
      const m = new WireMessage();
      let n = 0;
      const sub = nc.subscribe(subject);
      process.once('SIGINT', () => sub.unsubscribe());
      for await (const msg of sub) {
        const r = decodeInto(msg.data, m);
        const out = r.ok ? { subject: msg.subject, ...toJson(m) } : { subject: msg.subject, malformed: r.code, detail: r.detail };
        process.stdout.write(`${JSON.stringify(out, null, opts.compact ? undefined : 2)}\n`);
        if (++n >= limit) break;
      }
      await nc.drain();
    });
}
