import type { Command } from 'commander';
import { createWriteStream } from 'node:fs';
import { childLogger } from '../../services/common/log.js';
import { ConsolidatedBbo, type InstrumentMap } from '../../services/mirror/consolidated.js';
import { Subscriber } from '../../services/subscriber/subscriber.js';
import { SubjectError, checkDataPattern, subjectForInstrument } from '../../services/subscriber/subjects.js';
import { GroupMember } from '../../services/subscriber/group/member.js';
import { MEMBER_ID } from '../../services/subscriber/group/membership.js';
import { subscriberSummaries } from '../../services/subscriber/summary.js';
import { defaultMemberId } from '../../services/subscriber/group/member-id.js';
import { ServiceTuning } from '../../services/tune/apply.js';
import { toJsonLine } from '../../services/wire/index.js';
import { SERVERS_OPTION, TLS_DIR_OPTION, serversFor, tlsDirFor } from '../connection-options.js';
import { UsageError } from '../exit.js';
import { ENV_OPTION, configFor } from '../options.js';

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
    .option('--seconds <n>', 'stop after this many seconds')
    .option('--group <name>', 'join this subscriber group: members divide the subjects\' symbols among themselves')
    .option('--member <id>', 'member id within the group (default: $DSM_MEMBER, else <host>-<pid>)')
    .option('--summary-interval <ms>', 'publish a metrics summary this often (default: metrics.scrapeIntervalSeconds)')
    .option(...ENV_OPTION)
    .option(...TLS_DIR_OPTION)
    .option(...SERVERS_OPTION)
    .action(async (subjects: string[], opts: { symbol: string[]; identity: string; jsonl?: string; bbo: string[]; seconds?: string; group?: string; member?: string; summaryInterval?: string; env: string; tlsDir?: string; servers?: string }) => {
      const config = configFor(opts);
      let all: string[];
      try { all = [...subjects, ...opts.symbol.map((s) => subjectForInstrument(s, config.subjects.dataSuffix))]; } catch (e) { throw new UsageError((e as Error).message); }
      if (!all.length) {
        // No subjects: everything this identity is licensed for (what a subscriber host runs).
        const id = config.identities.find((i) => i.name === opts.identity);
        if (!id) throw new UsageError(`--identity: unknown identity "${opts.identity}"; configured: ${config.identities.map((i) => i.name).join(', ')}`);
        const suffix = config.subjects.dataSuffix;
        all = id.exchanges ? id.exchanges.map((ex) => `${ex}.*.${suffix}`) : [`*.*.${suffix}`];
      }
      const log = childLogger('subscribe');
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
        sub = new Subscriber({ config, tlsDir: tlsDirFor(config, opts), servers: serversFor(config, opts), identity: opts.identity, subjects: opts.group ? [] : all, name: `dsm-subscribe-${opts.group ? `${opts.group}-` : ''}${member}`, ...(accept ? { accept } : {}) });
      } catch (e) {
        if (e instanceof SubjectError) throw new UsageError(e.message);
        throw e;
      }
      if (opts.jsonl) {
        const out = opts.jsonl === '-' ? process.stdout : createWriteStream(opts.jsonl);
        sub.addHandler(({ message }) => { out.write(`${toJsonLine(message)}\n`); });
      }
      const bboMap = parseBbo(opts.bbo);
      if (Object.keys(bboMap).length) {
        const bbo = new ConsolidatedBbo(bboMap, sub.mirrors, (q) => process.stdout.write(`${JSON.stringify({ bbo: q.instrument, bid: q.bid && { price: q.bid.price, venues: q.bid.venues.map((v) => `${v.exchange}:${v.sizeText}`) }, ask: q.ask && { price: q.ask.price, venues: q.ask.venues.map((v) => `${v.exchange}:${v.sizeText}`) }, crossed: q.crossed })}\n`));
        sub.addHandler(({ message }) => { bbo.update(message.exchange, message.symbol); });
      }
      await sub.start();
      if (opts.group) {
        const licensed = config.identities.find((i) => i.name === opts.identity)?.exchanges;
        group = await new GroupMember({ config, subscriber: sub, identity: opts.identity, group: opts.group, member, patterns: all, ...(licensed ? { licensed } : {}) }).start();
      }
      const g = group;
      const service = `subscriber-${opts.group ? `${opts.group}-` : ''}${member}`.slice(0, 128);
      // The feedback loop's queue bound, applied live within the config's bounds and acknowledged.
      const tuning = new ServiceTuning(sub.nc!, config, service, [{ setting: 'maxQueuedMessages', get: () => sub.maxQueued, set: (v) => sub.setMaxQueued(v) }]).start();
      const summaries = subscriberSummaries(sub, sub.nc!, config, {
        service,
        ...(summaryMs ? { intervalMs: summaryMs } : {}),
        ...(g ? { group: () => g.status() } : {}),
      }).start();
      const timer = setInterval(() => log.info({ ...sub.counters, ...sub.mirrors.totals(), ...(g ? { group: g.status() } : {}) }, 'status'), 5000);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
        if (opts.seconds) setTimeout(resolve, Number(opts.seconds) * 1000);
      });
      clearInterval(timer);
      // Hand every symbol over before going (bounded by the hand-over), then a last summary.
      tuning.stop();
      await group?.leave();
      await summaries.stop();
      summaries.flush();
      await sub.close();
      process.stderr.write(`${JSON.stringify({ ...sub.counters, ...sub.mirrors.totals() })}\n`);
    });
}
