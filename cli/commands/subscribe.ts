import type { Command } from 'commander';
import { createWriteStream, existsSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { childLogger } from '../../services/common/log.js';
import { ConsolidatedBbo, type InstrumentMap } from '../../services/mirror/consolidated.js';
import { Subscriber } from '../../services/subscriber/subscriber.js';
import { toJsonLine } from '../../services/wire/index.js';
import { SERVERS_OPTION, TLS_DIR_OPTION, serversFor, tlsDirFor } from '../connection-options.js';
import { CommandFailed, UsageError } from '../exit.js';
import { note } from '../output.js';
import { ENV_OPTION, configFor, positiveInt, positiveNumber } from '../options.js';
import { checkIdentity, dataSubjects } from '../subjects.js';

import { SubjectError, checkDataPattern } from '../../services/subscriber/subjects.js';
import { GroupMember } from '../../services/subscriber/group/member.js';
import { MEMBER_ID } from '../../services/subscriber/group/membership.js';
import { subscriberSummaries } from '../../services/subscriber/summary.js';
import { defaultMemberId } from '../../services/subscriber/group/member-id.js';
import { ServiceTuning } from '../../services/tune/apply.js';
/** `--bbo NAME=EX:SYM,EX:SYM` -> instrument map for the consolidated view. */
function parseBbo(specs: string[]): InstrumentMap {
  const map: InstrumentMap = {};
  for (const spec of specs) {
    const m = /^([^=]+)=(.+)$/.exec(spec);
    if (!m) throw new UsageError(`--bbo must look like NAME=EXCHANGE:SYMBOL,EXCHANGE:SYMBOL, got "${spec}"`);
    map[m[1]!] = m[2]!.split(',').map((v) => {
      const i = v.indexOf(':');
      if (i <= 0) throw new UsageError(`--bbo venue must look like EXCHANGE:SYMBOL, got "${v}"`);
      return { exchange: v.slice(0, i), symbol: v.slice(i + 1) };
    });
  }
  return map;
}

const collect = (v: string, prev: string[]) => [...prev, v];

export function register(program: Command): void {
  program
    .command('subscribe')
    .description('mirror books from exact subjects or wildcards (NYSE.*.orderbook, *.AAPL.orderbook), with gap recovery')
    .argument('[subjects...]', 'data subjects or wildcards (default: every exchange the identity is licensed for)')
    .option('--symbol <EX:SYM>', 'an instrument as the exchange spells it (NYSE:BRK.B); repeatable', collect, [])
    .option('--identity <name>', 'client certificate identity', 'subscriber')
    .option('--jsonl <file>', 'write every applied update as a JSON line ("-" for stdout)')
    .option('--bbo <spec>', 'consolidated best bid/offer: NAME=EX:SYM,EX:SYM (repeatable)', collect, [])
    .option('--seconds <n>', 'stop after this many seconds', positiveNumber('--seconds'))
    .option('--report <file>', 'at exit, let books settle and write counters, latency and every mirrored book as JSON (the demo compares them with the ingest\'s)')
    .option('--report-every <ms>', 'with --report: also rewrite the report this often while running (books as they stand, each with its live and stale state; replaced atomically), to look into a running subscriber', positiveInt('--report-every'))
    .option('--group <name>', 'join this subscriber group: members divide the subjects\' symbols among themselves')
    .option('--member <id>', 'member id within the group (default: $DSM_MEMBER, else <host>-<pid>)')
    .option('--summary-interval <ms>', 'publish a metrics summary this often (default: metrics.scrapeIntervalSeconds)')
    .option('--summary-service <name>', 'the service name its metrics summaries carry (default: subscriber-[<group>-]<member>)')
    .option(...ENV_OPTION)
    .option(...TLS_DIR_OPTION)
    .option(...SERVERS_OPTION)
    .addHelpText('after', '\nExamples:\n  dsm subscribe                                  # everything the identity is licensed for\n  dsm subscribe \'NYSE.*.orderbook\' --symbol KRAKEN:XMR/USD --seconds 10\n  dsm subscribe --symbol NASDAQ:AAPL --jsonl - | jq .\n  dsm subscribe --group hosts \'NYSE.*.orderbook\'          # divide NYSE\'s symbols with the group\'s other members\n  dsm subscribe \'KRAKEN.*.orderbook\' --report books.json --report-every 1000   # books.json: every mirrored book, rewritten each second\n\nExit: 0 done, 1 failure (connection, refused subscription, write error), 2 usage.')
    .action(async (subjects: string[], opts: { symbol: string[]; identity: string; jsonl?: string; bbo: string[]; seconds?: number; report?: string; reportEvery?: number; summaryService?: string; group?: string; member?: string; summaryInterval?: string; env: string; tlsDir?: string; servers?: string }) => {
      const config = configFor(opts);
      checkIdentity(config, opts.identity);
      let all = dataSubjects(config, subjects, opts.symbol, note);
      for (const [flag, file] of [['--jsonl', opts.jsonl], ['--report', opts.report]] as const) {
        if (!file || file === '-') continue;
        const dir = path.dirname(path.resolve(file));
        if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`${flag}: directory does not exist: ${dir}`);
      }
      if (opts.reportEvery !== undefined && !opts.report) throw new UsageError('--report-every needs --report FILE (the file it rewrites)');
      if (opts.reportEvery !== undefined && opts.reportEvery < 100) throw new UsageError(`--report-every must be at least 100 (ms), got ${opts.reportEvery}`);
      if (opts.summaryService !== undefined && !/^[A-Za-z0-9_-]+$/.test(opts.summaryService)) throw new UsageError(`--summary-service must be one subject token (letters, digits, _ or -), got "${opts.summaryService}"`);
      if (!all.length) {
        // No subjects: everything this identity is licensed for (what a subscriber host runs).
        const id = config.identities.find((i) => i.name === opts.identity)!;
        const suffix = config.subjects.dataSuffix;
        all = id.exchanges ? id.exchanges.map((ex) => `${ex}.*.${suffix}`) : [`*.*.${suffix}`];
      }
      const log = childLogger('subscribe');
      const servers = serversFor(config, opts);
      const member = opts.member ?? defaultMemberId();
      if (opts.group !== undefined && !MEMBER_ID.test(opts.group)) throw new UsageError(`--group must be 1-64 of [A-Za-z0-9_-], got "${opts.group}"`);
      if (!MEMBER_ID.test(member)) throw new UsageError(`--member must be 1-64 of [A-Za-z0-9_-], got "${member}"`);
      const summaryMs = opts.summaryInterval === undefined ? undefined : Number(opts.summaryInterval);
      if (summaryMs !== undefined && !(Number.isInteger(summaryMs) && summaryMs >= 100)) throw new UsageError(`--summary-interval must be an integer >= 100 (ms), got "${opts.summaryInterval}"`);
      let sub: Subscriber;
      let group: GroupMember | undefined;
      try {
        for (const s of all) checkDataPattern(s, config.subjects.controlPrefix, config.subjects.dataSuffix);
        // A group member subscribes to nothing up front: the group hands it exact subjects.
        const accept = opts.group ? (ex: string, sym: string) => group!.accepts(ex, sym) : undefined;
        sub = new Subscriber({ config, tlsDir: tlsDirFor(config, opts), servers, identity: opts.identity, subjects: opts.group ? [] : all, name: `dsm-subscribe-${opts.group ? `${opts.group}-` : ''}${member}`, ...(accept ? { accept } : {}) });
      } catch (e) {
        if (e instanceof SubjectError) throw new UsageError(e.message);
        throw e;
      }
      let failure: string | undefined;
      let finish: () => void = () => {};
      const fail = (why: string) => { failure ??= why; finish(); };
      if (opts.jsonl) {
        const out = opts.jsonl === '-' ? process.stdout : createWriteStream(opts.jsonl);
        out.on('error', (e) => fail(`--jsonl ${opts.jsonl}: ${e.message}`));
        sub.addHandler(({ message }) => { out.write(`${toJsonLine(message)}\n`); });
      }
      const bboMap = parseBbo(opts.bbo);
      if (Object.keys(bboMap).length) {
        const bbo = new ConsolidatedBbo(bboMap, sub.mirrors, (q) => process.stdout.write(`${JSON.stringify({ bbo: q.instrument, bid: q.bid && { price: q.bid.price, venues: q.bid.venues.map((v) => `${v.exchange}:${v.sizeText}`) }, ask: q.ask && { price: q.ask.price, venues: q.ask.venues.map((v) => `${v.exchange}:${v.sizeText}`) }, crossed: q.crossed })}\n`));
        sub.addHandler(({ message }) => { bbo.update(message.exchange, message.symbol); });
      }
      note(`subscribing to ${all.join(', ')} on ${servers.join(', ')} as ${opts.identity}`);
      await sub.start();
      if (opts.group) {
        const licensed = config.identities.find((i) => i.name === opts.identity)?.exchanges;
        group = await new GroupMember({ config, subscriber: sub, identity: opts.identity, group: opts.group, member, patterns: all, ...(licensed ? { licensed } : {}) }).start();
      }
      const g = group;
      const service = opts.summaryService ?? `subscriber-${opts.group ? `${opts.group}-` : ''}${member}`.slice(0, 128);
      // The feedback loop's queue bound, applied live within the config's bounds and acknowledged.
      const tuning = new ServiceTuning(sub.nc!, config, service, [{ setting: 'maxQueuedMessages', get: () => sub.maxQueued, set: (v) => sub.setMaxQueued(v) }]).start();
      const summaries = subscriberSummaries(sub, sub.nc!, config, {
        service,
        // --report writes the whole run's latency at exit: keep the recorder cumulative.
        ...(opts.report ? { keepCumulative: true } : {}),
        ...(summaryMs ? { intervalMs: summaryMs } : {}),
        ...(g ? { group: () => g.status() } : {}),
      }).start();
      note(opts.group ? `joined group ${opts.group} as ${member}: the group assigns this member its share of ${all.join(', ')}` : `subscribed: ${all.length} subscription(s) live`);
      // The server refuses a subscription asynchronously; by the flush in start() it has answered.
      const refusedNow = () => sub.refused.length ? `subscription refused by the server: ${sub.refused.map((r) => `${r.subject} (${r.error})`).join('; ')}; identity ${opts.identity} may not read it (see the identity's exchanges in the config)` : undefined;
      // People at a terminal get one line every 5 s; logs (JSON) keep every field for machines.
      let lastReceived = 0;
      const timer = setInterval(() => {
        const t = sub.mirrors.totals();
        const lat = sub.latency.summary();
        if (process.stderr.isTTY && process.env.DSM_LOG_FORMAT !== 'json') {
          const e2e = lat.end_to_end;
          note(`received ${sub.counters.received} (${Math.round((sub.counters.received - lastReceived) / 5)}/s), books ${t.live}/${t.mirrors} live, gaps ${t.gaps}, resyncs ${t.resyncs}, slow consumer ${sub.counters.slowConsumer}, e2e p50/p99 ${e2e?.p50 ?? '-'}/${e2e?.p99 ?? '-'} µs`);
        } else log.info({ ...sub.counters, ...t, latency: lat, ...(g ? { group: g.status() } : {}) }, 'status');
        lastReceived = sub.counters.received;
      }, 5000);
      const watchRefusals = setInterval(() => { if (refusedNow()) fail(refusedNow()!); }, 100);
      // The report, as the books stand (written to a temporary file and renamed, so a reader never sees half of it).
      const writeReport = (file: string, settled: boolean, final: boolean) => {
        const books = sub.mirrors.all().map((m) => ({ exchange: m.exchange, symbol: m.symbol, seq: m.lastSeq, live: m.isLive, stale: m.stale, format: m.book.format, ...m.book.snapshot() }));
        const tmp = `${file}.${process.pid}.tmp`;
        writeFileSync(tmp, `${JSON.stringify({ identity: opts.identity, subjects: all, servers, at: Date.now(), final, settled, counters: sub.counters, totals: sub.mirrors.totals(), latency: sub.latency.summary(), books })}\n`);
        renameSync(tmp, file);
      };
      const reportTimer = opts.report && opts.reportEvery ? setInterval(() => {
        try { writeReport(opts.report!, false, false); } catch (e) { fail(`--report ${opts.report}: ${(e as Error).message}`); }
      }, opts.reportEvery) : undefined;
      await new Promise<void>((resolve) => {
        finish = resolve;
        if (refusedNow()) fail(refusedNow()!);
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
        if (opts.seconds) setTimeout(resolve, opts.seconds * 1000);
      });
      clearInterval(timer);
      clearInterval(watchRefusals);
      clearInterval(reportTimer);
      // Hand every symbol over before going (bounded by the hand-over), then a last summary.
      tuning.stop();
      await group?.leave();
      await summaries.stop();
      summaries.flush();
      if (opts.report) {
        // Books still awaiting snapshots get a chance to finish before they are written down.
        const settled = failure ? false : await sub.settle(10_000);
        writeReport(opts.report, settled, true);
      }
      await sub.close();
      process.stderr.write(`${JSON.stringify({ ...sub.counters, ...sub.mirrors.totals() })}\n`);
      if (failure) throw new CommandFailed(failure);
    });
}
