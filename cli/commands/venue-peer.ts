/**
 * `dsm venue-peer`: a local stand-in for a live venue (services/feeds/<venue>/peer.ts) that a
 * config file can point a feed at, so the faults the recovery tests inject can be injected by
 * hand into a running `dsm ingest`:
 *   serve <venue>   the venue's protocol on 127.0.0.1 with a synthetic evolving book per symbol,
 *                   plus a control surface (services/feeds/peer-control.ts); prints the URLs and
 *                   the `exchanges[]` entry to put in the config
 *   fault           inject a fault through a running peer's control URL
 *   book / status   the peer's own book (the truth to compare with) and its state
 *   walk on|off     pause or restart the book's changes (to compare books at rest)
 */
import { readFileSync } from 'node:fs';
import { Argument, type Command, Option } from 'commander';
import { z } from 'zod';
import { ExchangeSchema } from '../../config/schema.js';
import { childLogger } from '../../services/common/log.js';
import { PEER_VENUES, PeerControl, PeerControlClient, PeerRefused, VENUE_PEERS, type PeerBookView, type PeerVenue } from '../../services/feeds/peer-control.js';
import { formatScaled, parseScaled } from '../../services/marketdata/decimal.js';
import { EVERY_PEER, FAULT_MEANING, PEER_FAULT_KINDS, type PeerFault, type PeerFaultKind } from '../../services/feeds/peer.js';
import { CommandFailed, UsageError } from '../exit.js';
import { intInRange, nonNegativeInt, portNumber, positiveInt } from '../options.js';

const SymbolsSchema = z.array(z.string().regex(/^[A-Za-z0-9/._-]{1,32}$/, 'must be 1-32 of letters, digits, / . _ -')).min(1).max(200)
  .refine((l) => new Set(l).size === l.length, 'lists a symbol twice');
const ControlUrlSchema = z.string().refine((u) => URL.canParse(u) && /^https?:$/.test(new URL(u).protocol), 'must be an http:// URL such as http://127.0.0.1:9101');

function parse<T>(schema: z.ZodType<T>, value: unknown, flag: string): T {
  const r = schema.safeParse(value);
  if (!r.success) throw new UsageError(`${flag}: ${r.error.issues.map((i) => `${i.path.length ? `[${i.path.join('.')}] ` : ''}${i.message}`).join('; ')}`);
  return r.data;
}

/** Control calls fail in two ways: the peer refused the request (exit 2) or could not be reached (exit 1). */
async function control<T>(url: string, call: (c: PeerControlClient) => Promise<T>): Promise<T> {
  const client = new PeerControlClient(parse(ControlUrlSchema, url, '--control'));
  try {
    return await call(client);
  } catch (err) {
    if (err instanceof PeerRefused) throw new UsageError(`peer refused: ${err.message}`);
    const c = (err as { cause?: { code?: string; message?: string } }).cause;
    const cause = c?.code ?? c?.message ?? (err as Error).message;
    throw new CommandFailed(`cannot reach the peer's control at ${url}: ${cause} (is dsm venue-peer serve running? its startup lines name the control URL)`);
  }
}

const CONTROL_OPTION = ['--control <url>', 'the peer\'s control URL, as `dsm venue-peer serve` printed it'] as const;
/** Each kind with what it does: once for the generic kinds, per venue for a venue's own (the same kind can differ by venue). */
const faultHelp = `\nFault kinds (a venue's own faults name the venue; the rest every peer takes):\n${PEER_FAULT_KINDS.map((k) =>
  Object.entries(FAULT_MEANING[k]).map(([venue, meaning], i) => `  ${(i === 0 ? k : '').padEnd(24)}${venue === EVERY_PEER ? '' : `${venue}: `}${meaning}`).join('\n')).join('\n')}`;

export function register(program: Command): void {
  const cmd = program
    .command('venue-peer')
    .description('a local venue peer to point a live feed at (--config FILE), and fault injection into it');

  cmd
    .command('serve')
    .description('serve a venue\'s protocol on 127.0.0.1 with a synthetic evolving book per symbol and a control URL for faults; prints the URLs and the config entry')
    .addArgument(new Argument('<venue>', 'the venue whose protocol to speak').choices(PEER_VENUES))
    .requiredOption('--symbols <list>', 'comma-separated symbols as the venue spells them (XBT/USD, BTCUSDT, BTC-USD)')
    .option('--port <port>', 'venue port on 127.0.0.1 (0 picks a free one)', portNumber('--port', true), 0)
    .option('--control-port <port>', 'control port on 127.0.0.1 (0 picks a free one)', portNumber('--control-port', true), 0)
    .option('--interval <ms>', 'one change to every symbol\'s book this often', intInRange('--interval', 1, 60_000), 20)
    .option('--paused', 'start with the book walk paused (start it with dsm venue-peer walk on)')
    .option('--exchange <name>', 'exchange name in the printed config entry (default: the venue in capitals; COINBASE for coinbase-advanced)')
    .option('--seed <n>', 'seed of the first symbol\'s book walk (the same seed walks the same way)', nonNegativeInt('--seed'), 11)
    .option('--json', 'print one JSON line: venue, url, restUrl, control, symbols, exchange (the config entry)')
    .addHelpText('after', faultHelp)
    .action(async (venue: PeerVenue, opts: { symbols: string; port: number; controlPort: number; interval: number; paused?: boolean; exchange?: string; seed: number; json?: boolean }) => {
      const symbols = parse(SymbolsSchema, opts.symbols.split(',').map((s) => s.trim()), '--symbols');
      const peer = VENUE_PEERS[venue]({ symbols, seed: opts.seed });
      const name = parse(ExchangeSchema.shape.name, opts.exchange ?? peer.exchange, '--exchange');
      const ctl = new PeerControl(peer);
      let controlUrl: string;
      try {
        await peer.start(opts.port);
        controlUrl = await ctl.start(opts.controlPort);
      } catch (err) {
        await peer.stop().catch(() => undefined);
        const e = err as NodeJS.ErrnoException;
        throw e.code === 'EADDRINUSE' ? new UsageError(`port in use: ${e.message.replace(/^listen /, '')}; pick another (--port, --control-port) or 0 for a free one`) : e;
      }
      // The entry a config file's `exchanges` takes; checked by the config's own schema before it is shown.
      const exchange = { name, symbols: peer.symbols, feed: peer.feedConfig() };
      const checked = ExchangeSchema.safeParse(exchange);
      if (!checked.success) {
        await ctl.stop();
        await peer.stop();
        throw new Error(`internal: the config entry for this peer does not validate: ${checked.error.message}`);
      }
      if (!opts.paused) peer.run(opts.interval);
      const out = { venue, url: peer.wsUrl, ...(peer.restUrl ? { restUrl: peer.restUrl } : {}), control: controlUrl, symbols: peer.symbols, intervalMs: opts.interval, walking: peer.walking, pid: process.pid, exchange };
      if (opts.json) process.stdout.write(`${JSON.stringify(out)}\n`);
      else {
        const takes = peer.faultKinds;
        process.stdout.write([
          `${venue} peer on ${peer.wsUrl}${peer.restUrl ? ` (REST ${peer.restUrl})` : ''} for ${peer.symbols.join(', ')}: ${peer.walking ? `one change to each book every ${opts.interval} ms` : 'walk paused'}`,
          `control: ${controlUrl}`,
          `  dsm venue-peer fault --control ${controlUrl} --kind ${takes[0]} --symbol ${peer.symbols[0]}`,
          `  dsm venue-peer book --control ${controlUrl} --symbol ${peer.symbols[0]}`,
          `faults it takes: ${takes.join(', ')}`,
          'exchanges[] entry for a config file (--config FILE; add feed.connection to tune its timings):',
          `  ${JSON.stringify(exchange)}`,
          'Ctrl-C stops it.',
          '',
        ].join('\n'));
      }
      await new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      });
      await ctl.stop();
      await peer.stop();
      childLogger('venue-peer').info({ venue, status: peer.status() }, 'stopped');
    });

  cmd
    .command('fault')
    .description('inject a fault into a running venue peer (see the kinds below)')
    .requiredOption(...CONTROL_OPTION)
    .addOption(new Option('--kind <kind>', 'what goes wrong').choices(PEER_FAULT_KINDS).makeOptionMandatory())
    .option('--symbol <symbol>', 'the symbol it hits (default: every symbol the peer serves)')
    .option('--ms <n>', 'stall: resume by itself after this many milliseconds (default: until --kind resume)', positiveInt('--ms'))
    .option('--json', 'print the peer\'s answer as one JSON line')
    .addHelpText('after', faultHelp)
    .action(async (opts: { control: string; kind: PeerFaultKind; symbol?: string; ms?: number; json?: boolean }) => {
      if (opts.ms !== undefined && opts.kind !== 'stall') throw new UsageError(`--ms applies to --kind stall only, not ${opts.kind}`);
      const fault: PeerFault = { kind: opts.kind, ...(opts.symbol !== undefined ? { symbol: opts.symbol } : {}), ...(opts.ms !== undefined ? { ms: opts.ms } : {}) };
      const r = await control(opts.control, (c) => c.fault(fault));
      process.stdout.write(opts.json ? `${JSON.stringify(r)}\n` : `${r.done}\n`);
    });

  cmd
    .command('book')
    .description('print a running peer\'s own book of one symbol (best first, the venue\'s decimal strings): the truth a live book must come back to; --against compares a subscriber\'s book with it')
    .requiredOption(...CONTROL_OPTION)
    .requiredOption('--symbol <symbol>', 'the symbol')
    .option('--against <report>', 'a `dsm subscribe --report` file: exit 0 if its book of the symbol equals the peer\'s, else 1 and the first difference (pause the walk first: dsm venue-peer walk off)')
    .option('--exchange <name>', 'with --against: the exchange the subscriber knows the symbol under (default: the only one that has it)')
    .option('--json', 'one JSON line')
    .action(async (opts: { control: string; symbol: string; against?: string; exchange?: string; json?: boolean }) => {
      if (opts.exchange !== undefined && !opts.against) throw new UsageError('--exchange applies to --against only');
      const report = opts.against ? readReport(opts.against) : undefined;
      const b = await control(opts.control, (c) => c.book(opts.symbol));
      if (report) {
        const verdict = compareWithReport(b, report, opts.against!, opts.exchange);
        process.stdout.write(opts.json ? `${JSON.stringify(verdict)}\n` : `${verdict.line}\n`);
        if (!verdict.equal) throw new CommandFailed(`${verdict.key}: the subscriber's book differs from the peer's`);
        return;
      }
      process.stdout.write(opts.json ? `${JSON.stringify(b)}\n` : `${b.symbol}\n${['bids', 'asks'].map((side) => `${side}:\n${(side === 'bids' ? b.bids : b.asks).map(([p, q]) => `  ${p.padStart(16)}  ${q}`).join('\n')}`).join('\n')}\n`);
    });

  cmd
    .command('status')
    .description('print a running peer\'s state: symbols, connections, walk, faults taken')
    .requiredOption(...CONTROL_OPTION)
    .option('--json', 'one JSON line')
    .action(async (opts: { control: string; json?: boolean }) => {
      const s = await control(opts.control, (c) => c.status());
      if (opts.json) { process.stdout.write(`${JSON.stringify(s)}\n`); return; }
      const faults = Object.entries(s.faults).map(([k, n]) => `${k} ${n}`).join(', ') || 'none';
      process.stdout.write(`${s.venue} peer on ${s.url} for ${s.symbols.join(', ')}: ${s.clients} connection(s) open (${s.connections} since start), walk ${s.walking ? `every ${s.intervalMs} ms` : 'paused'}${s.stalled ? ', STALLED' : ''}; faults taken: ${faults}${s.restUrl ? `; REST snapshots served: ${s.restRequests}` : ''}\n`);
    });

  cmd
    .command('walk')
    .description('pause (off) or restart (on) the changes a running peer makes to its books; connections stay up and hear the venue\'s keep-alive')
    .addArgument(new Argument('<state>', 'on or off').choices(['on', 'off']))
    .requiredOption(...CONTROL_OPTION)
    .option('--interval <ms>', 'with on: one change to every symbol\'s book this often', intInRange('--interval', 1, 60_000))
    .action(async (state: 'on' | 'off', opts: { control: string; interval?: number }) => {
      if (state === 'off' && opts.interval !== undefined) throw new UsageError('--interval applies to walk on only');
      const r = await control(opts.control, (c) => c.walk({ running: state === 'on', ...(opts.interval !== undefined ? { intervalMs: opts.interval } : {}) }));
      process.stdout.write(r.walking ? `walking: one change to every book every ${r.intervalMs} ms\n` : 'walk paused\n');
    });
}

/** The part of a `dsm subscribe --report` file this compares: each book's levels, scaled, and its format. */
const ReportSchema = z.object({
  at: z.number().optional(),
  books: z.array(z.object({
    exchange: z.string(),
    symbol: z.string(),
    seq: z.number(),
    live: z.boolean().optional(),
    stale: z.boolean().optional(),
    format: z.object({ priceDecimals: z.number().int(), sizeDecimals: z.number().int() }),
    bids: z.array(z.tuple([z.number(), z.number()])),
    asks: z.array(z.tuple([z.number(), z.number()])),
  })),
});
export type SubscriberReport = z.infer<typeof ReportSchema>;

function readReport(file: string): SubscriberReport {
  let json: unknown;
  try { json = JSON.parse(readFileSync(file, 'utf8')); } catch (e) { throw new UsageError(`--against ${file}: ${(e as Error).message}`); }
  const r = ReportSchema.safeParse(json);
  if (!r.success) throw new UsageError(`--against ${file}: not a dsm subscribe --report file (${r.error.issues[0]?.path.join('.')}: ${r.error.issues[0]?.message}); books carry their format from --report-every runs on`);
  return r.data;
}

interface Verdict { key: string; equal: boolean; line: string; seq?: number; ageMs?: number }

/** The subscriber's book, in the venue's decimals, against the peer's own, level by level. */
export function compareWithReport(peer: PeerBookView, report: SubscriberReport, file: string, exchange?: string): Verdict {
  const candidates = report.books.filter((b) => b.symbol === peer.symbol && (exchange === undefined || b.exchange === exchange));
  if (candidates.length === 0) throw new UsageError(`--against ${file}: no book of ${exchange ? `${exchange}:` : ''}${peer.symbol} (it has ${report.books.map((b) => `${b.exchange}:${b.symbol}`).join(', ') || 'none'})`);
  if (candidates.length > 1) throw new UsageError(`--against ${file}: ${peer.symbol} is a book of ${candidates.map((b) => b.exchange).join(' and ')}; pick one with --exchange`);
  const b = candidates[0]!;
  const key = `${b.exchange}:${b.symbol}`;
  const ageMs = report.at !== undefined ? Date.now() - report.at : undefined;
  const age = ageMs !== undefined ? `, report ${(ageMs / 1000).toFixed(1)} s old` : '';
  const text = (levels: Array<[number, number]>) => levels.map(([p, q]) => [formatScaled(p, b.format.priceDecimals), formatScaled(q, b.format.sizeDecimals)]);
  const scaled = (levels: Array<[string, string]>) => levels.map(([p, q]) => [parseScaled(p, b.format.priceDecimals), parseScaled(q, b.format.sizeDecimals)]);
  if (b.stale) return { key, equal: false, seq: b.seq, ...(ageMs !== undefined ? { ageMs } : {}), line: `${key}: the subscriber's book is marked STALE (seq ${b.seq}${age}): the venue book is being recovered` };
  for (const side of ['bids', 'asks'] as const) {
    const mine = b[side].map((lv) => JSON.stringify(lv));
    const theirs = scaled(peer[side]).map((lv) => JSON.stringify(lv));
    const at = Array.from({ length: Math.max(mine.length, theirs.length) }, (_, k) => k).find((k) => mine[k] !== theirs[k]);
    if (at === undefined) continue;
    return { key, equal: false, seq: b.seq, ...(ageMs !== undefined ? { ageMs } : {}), line: `${key}: ${side} differ at level ${at + 1}: subscriber ${JSON.stringify(text(b[side])[at] ?? null)}, peer ${JSON.stringify(peer[side][at] ?? null)} (seq ${b.seq}${age})` };
  }
  return { key, equal: true, seq: b.seq, ...(ageMs !== undefined ? { ageMs } : {}), line: `${key}: the subscriber's book equals the peer's (${b.bids.length} bids, ${b.asks.length} asks, seq ${b.seq}${age})` };
}
