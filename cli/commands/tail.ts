import type { Command } from 'commander';
import { connectAs } from '../../services/nats/connect.js';
import { decodeInto, toJson, WireMessage } from '../../services/wire/index.js';
import { SERVERS_OPTION, TLS_DIR_OPTION, serversFor, tlsDirFor } from '../connection-options.js';
import { CommandFailed, UsageError } from '../exit.js';
import { note } from '../output.js';
import { ENV_OPTION, configFor, positiveInt } from '../options.js';
import { checkIdentity, dataSubjects } from '../subjects.js';

const collect = (v: string, prev: string[]) => [...prev, v];

export function register(program: Command): void {
  program
    .command('tail')
    .description('print decoded updates on a subject live, as JSON, for people')
    .argument('[subject]', 'data subject or wildcard, e.g. NASDAQ.*.orderbook')
    .option('--symbol <EX:SYM>', 'an instrument as the exchange spells it (KRAKEN:XMR/USD, NYSE:BRK.B); repeatable', collect, [])
    .option('--identity <name>', 'client certificate identity', 'ops')
    .option('-n, --count <n>', 'stop after this many messages', positiveInt('--count'))
    .option('--compact', 'one line per message')
    .option(...ENV_OPTION)
    .option(...TLS_DIR_OPTION)
    .option(...SERVERS_OPTION)
    .addHelpText('after', "\nExamples:\n  dsm tail 'NASDAQ.*.orderbook' -n 5\n  dsm tail --symbol KRAKEN:XMR/USD --compact\n\nExit: 0 done, 1 failure (connection, refused subscription), 2 usage.")
    .action(async (subject: string | undefined, opts: { symbol: string[]; identity: string; count?: number; compact?: boolean; env: string; tlsDir?: string; servers?: string }) => {
      const config = configFor(opts);
      checkIdentity(config, opts.identity);
      const subjects = dataSubjects(config, subject ? [subject] : [], opts.symbol, note);
      if (!subjects.length) throw new UsageError('tail: name a subject (NASDAQ.*.orderbook) or --symbol EXCHANGE:SYMBOL');
      const limit = opts.count ?? Infinity;
      const servers = serversFor(config, opts);
      note(`subscribing to ${subjects.join(', ')} on ${servers.join(', ')} as ${opts.identity}`);
      const nc = await connectAs(config, opts.identity, { tlsDir: tlsDirFor(config, opts), servers, name: 'dsm-tail' });
      const m = new WireMessage();
      let n = 0;
      let refused: string | undefined;
      const subs = subjects.map((s) => nc.subscribe(s, {
        callback: (err, msg) => {
          if (err) { refused ??= `subscription to ${s} refused by the server (${err.message}); identity ${opts.identity} may not read it`; stop(); return; }
          const r = decodeInto(msg.data, m);
          const out = r.ok ? { subject: msg.subject, ...toJson(m) } : { subject: msg.subject, malformed: r.code, detail: r.detail };
          process.stdout.write(`${JSON.stringify(out, null, opts.compact ? undefined : 2)}\n`);
          if (++n >= limit) stop();
        },
      }));
      let stop: () => void = () => {};
      await new Promise<void>((resolve) => {
        stop = resolve;
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
        if (refused) resolve();
      });
      for (const s of subs) s.unsubscribe();
      await nc.drain().catch(() => undefined);
      if (refused) throw new CommandFailed(refused);
    });
}
