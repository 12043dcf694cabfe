/**
 * `dsm drill subscriber-scale --target local`: a subscriber group under pipeline load grows
 * 2 -> 4 -> 2 members. The recorded sessions are replayed at a fixed rate through the ingest;
 * members are DSM subscribers (each its own NATS connection, spread over the nodes) joined to one
 * group; an operator-side observer (ops identity) watches the group's heartbeats. It measures:
 *
 * - rebalance_ms: from each change (members started / asked to leave) until every published
 *   symbol has exactly one live owner, and that owner is the hash's choice;
 * - ownership_violations: symbols that stayed with zero or two live owners past the bound
 *   (hand-over + one heartbeat);
 * - per_member_rate_before / after / back: book messages processed per second per member over a
 *   steady window at 2, 4, and again 2 members;
 * - books_consistent: after the load stops, every member's books equal the ingest's for the
 *   symbols it holds, and together the members hold every published symbol;
 * - gaps and resyncs over every member (books handed over included).
 */
import type { NatsConnection } from 'nats';
import type { DsmConfig } from '../../config/schema.js';
import { childLogger } from '../common/log.js';
import { SymbolAnnouncer } from '../ingest/announce.js';
import type { FeedUpdate } from '../ingest/feed-update.js';
import { IngestService } from '../ingest/service.js';
import { isRecorded, sourceFor } from '../ingest/sources/index.js';
import { encodeSubjectToken } from '../marketdata/subject.js';
import { MetricsAgent } from '../metrics/agent.js';
import type { SummaryPublisher } from '../metrics/summary-publisher.js';
import { connectAs } from '../nats/connect.js';
import { groupSubject, subjectScheme, symbolsSubject } from '../nats/subjects.js';
import { compareBooks } from '../pipeline/compare.js';
import { GroupMember } from '../subscriber/group/member.js';
import { Subscriber } from '../subscriber/subscriber.js';
import { subscriberSummaries } from '../subscriber/summary.js';
import { GroupObserver } from './group-observer.js';

export interface SubscriberScaleOptions {
  cfg: DsmConfig;
  tlsDir: string;
  servers: string[];
  root: string;
  /** Feed updates routed per second (default 2000). */
  rate?: number;
  /** Group sizes in order (default 2, 4, 2). */
  sizes?: number[];
  /** Steady window per size over which per-member rates are measured (default 3000 ms). */
  windowMs?: number;
  group?: string;
  identity?: string;
  onEvent?: (what: string) => void;
}

export interface SubscriberScaleReport {
  drill: 'subscriber-scale';
  ok: boolean;
  sizes: number[];
  rate: number;
  symbols: number;
  rebalance_ms: number[];
  ownership_violations: number;
  per_member_rate_before: number;
  per_member_rate_after: number;
  per_member_rate_back: number;
  /**
   * after / before, each as a share of the input published in its window (per-member rate /
   * published rate): about 0.5 when the group doubles. Judged on shares because a busy machine
   * varies the input between windows; a group that did not divide (every member taking every
   * symbol) would keep a share of 1.
   */
  rate_ratio: number;
  /** Updates published per second by the ingest in each window. */
  input_rate: number[];
  /**
   * The same, as the scaling policy sees it: GroupMemberProcessedRate from the metrics agent
   * (members' summaries -> agent), mean over the steady window at each size.
   */
  metric_member_rate: number[];
  books_consistent: boolean;
  gaps: number;
  resyncs: number;
  handover_timeouts: number;
  failures: string[];
  violations: Array<{ symbol: string; owners: number; ms: number }>;
}

interface Member { name: string; sub: Subscriber; group: GroupMember; summaries: SummaryPublisher }

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runSubscriberScale(o: SubscriberScaleOptions): Promise<SubscriberScaleReport> {
  const { cfg, tlsDir, servers, root } = o;
  const log = childLogger('drill');
  const say = o.onEvent ?? ((w: string) => log.info(w));
  const rate = o.rate ?? 2000;
  const sizes = o.sizes ?? [2, 4, 2];
  const windowMs = o.windowMs ?? 3000;
  const groupName = o.group ?? `drill-${process.pid}`;
  const identity = o.identity ?? cfg.identities.find((i) => i.role === 'subscriber' && !i.exchanges)?.name ?? 'subscriber';
  const ops = cfg.identities.find((i) => i.role === 'ops')?.name ?? 'ops';
  const s = subjectScheme(cfg);
  const g = cfg.groups;
  const failures: string[] = [];

  const updates: FeedUpdate[] = [];
  for (const ex of cfg.exchanges.filter(isRecorded)) for await (const u of sourceFor(ex, root, cfg.client).updates()) updates.push(u);
  if (!updates.length) throw new Error('subscriber-scale: the config has no recorded feed to replay');
  updates.sort((a, b) => a.atUs - b.atUs);

  const closers: Array<() => Promise<unknown>> = [];
  const members: Member[] = [];
  const retired: Member[] = [];
  let feedTimer: NodeJS.Timeout | undefined;
  try {
    const ingest = new IngestService({ config: cfg, tlsDir, root, pace: { mode: 'max' }, sources: [], workers: 0, servers });
    await ingest.start();
    closers.push(() => ingest.stop());
    const control = await connectAs(cfg, 'ingest', { tlsDir, servers, name: 'dsm-drill-ingest-control' });
    closers.push(() => control.close());
    const announcer = new SymbolAnnouncer(control, cfg, 'drill-ingest', () => ingest.knownSymbols()).start(500);
    closers.push(async () => announcer.stop());

    // The operator's view: published symbols (from the announcements) and the group's heartbeats.
    const opsNc: NatsConnection = await connectAs(cfg, ops, { tlsDir, servers, name: 'dsm-drill-observer' });
    closers.push(() => opsNc.close());
    const published = new Set<string>();
    opsNc.subscribe(symbolsSubject(s, '*'), {
      callback: (err, m) => {
        if (err) return;
        try {
          const a = JSON.parse(m.string()) as { exchange: string; symbols: string[] };
          for (const sym of a.symbols) published.add(`${a.exchange}.${encodeSubjectToken(sym)}.${cfg.subjects.dataSuffix}`);
        } catch { /* the members validate announcements; the observer only counts */ }
      },
    });
    // The metrics pipeline as on AWS: members publish summaries, an agent turns them into the group figure.
    const agent = new MetricsAgent(cfg, { nc: opsNc, intervalMs: 500 });
    await agent.start();
    closers.push(() => agent.stop());
    const memberRates: Array<{ at: number; rate: number }> = [];
    agent.onTick((o) => { const g = o.groups[groupName]; if (g) memberRates.push({ at: performance.now(), rate: g.memberRate }); });
    const observer = new GroupObserver({ timeoutMs: g.heartbeatMs * g.missedHeartbeats, boundMs: g.handoverMs + g.heartbeatMs * 2, symbols: () => published }).start(opsNc, groupSubject(s, identity, groupName));
    closers.push(async () => observer.stop());

    let routed = 0;
    const t0 = performance.now();
    let skipped = 0;
    feedTimer = setInterval(() => {
      const due = Math.floor(((performance.now() - t0) * rate) / 1000) - skipped;
      // A stalled event loop (a busy machine) must not turn into a catch-up burst: the per-member
      // rates are compared across windows, so the input rate has to stay what was asked for.
      const backlog = due - routed - Math.ceil(rate / 10);
      if (backlog > 0) skipped += backlog;
      for (const end = due - Math.max(0, backlog); routed < end; routed++) ingest.route({ ...updates[routed % updates.length]! });
      ingest.flush();
    }, 5);
    // Every recorded symbol published at least once and announced.
    const wanted = new Set(updates.map((u) => `${u.exchange}\u0000${u.symbol}`)).size;
    for (let i = 0; i < 400 && published.size < wanted; i++) await sleep(25);
    if (published.size < wanted) failures.push(`only ${published.size} of ${wanted} symbols announced`);
    say(`load running: ${rate} updates/s over ${published.size} symbols`);

    let n = 0;
    const addMember = async (): Promise<Member> => {
      const name = `m${++n}`;
      const preferred = [...servers.slice((n - 1) % servers.length), ...servers.slice(0, (n - 1) % servers.length)];
      let group!: GroupMember;
      const sub = await new Subscriber({ config: cfg, tlsDir, servers: preferred, identity, subjects: [], name: `dsm-drill-${groupName}-${name}`, accept: (ex, sym) => group.accepts(ex, sym) }).start();
      group = new GroupMember({ config: cfg, subscriber: sub, identity, group: groupName, member: name, patterns: [`*.*.${cfg.subjects.dataSuffix}`] });
      await group.start();
      const summaries = subscriberSummaries(sub, sub.nc!, cfg, { service: `subscriber-${groupName}-${name}`, intervalMs: 500, group: () => group.status() }).start();
      const m = { name, sub, group, summaries };
      members.push(m);
      return m;
    };
    const removeMember = async (): Promise<void> => {
      const m = members.pop()!;
      await m.group.leave();
      await m.summaries.stop();
      retired.push(m);
    };
    const metricRates: number[] = [];
    /** Mean per-member processed rate over a steady window (counted here, and as the agent reports it). */
    const inputRates: number[] = [];
    const publishedCount = () => ingest.workerStats().reduce((a, w) => a + w.published, 0);
    const measure = async (): Promise<number> => {
      const before = members.map((m) => m.sub.counters.processed);
      const pubBefore = publishedCount();
      const ts = performance.now();
      await sleep(windowMs);
      const secs = (performance.now() - ts) / 1000;
      inputRates.push(Math.round((publishedCount() - pubBefore) / secs));
      const rates = members.map((m, i) => (m.sub.counters.processed - before[i]!) / secs);
      // Summaries cover the interval before they are sent: skip the first one of the window.
      // The median tick: one late summary (a busy machine) must not move the figure.
      const seen = memberRates.filter((r) => r.at > ts + 1100).map((r) => r.rate).sort((a, b) => a - b);
      metricRates.push(seen.length ? Math.round(seen[Math.floor(seen.length / 2)]!) : 0);
      say(`per-member rates at ${members.length}: ${rates.map((r) => r.toFixed(0)).join(', ')} msg/s (GroupMemberProcessedRate ${metricRates.at(-1)})`);
      return rates.reduce((a, r) => a + r, 0) / rates.length;
    };

    const rebalance: number[] = [];
    const rates: number[] = [];
    const settleTimeout = 10_000 + g.handoverMs;
    for (const [i, size] of sizes.entries()) {
      const changes: Array<Promise<unknown>> = [];
      const delta = size - members.length;
      for (let k = 0; k < delta; k++) changes.push(addMember());
      // Leavers hand over in parallel, as instances terminated together would.
      for (let k = 0; k < -delta; k++) changes.push(removeMember());
      // Measure from the change itself; settled is judged from the heartbeats alone.
      const settled = observer.waitSettled(size, settleTimeout);
      await Promise.all(changes);
      const waited = await settled;
      if (waited === undefined) {
        const v = observer.view();
        failures.push(`group of ${size} did not settle within ${settleTimeout} ms (members ${observer.members().join(',')}, zero ${v.zero.length}, multiple ${v.multiple.length}, misplaced ${v.misplaced.length})`);
        break;
      }
      // Settled is judged from heartbeats; a leaver's own shutdown afterwards is not rebalance time.
      const ms = Math.round(waited);
      observer.armed = true;
      if (i > 0) rebalance.push(ms);
      say(`${i === 0 ? 'group formed' : 'rebalanced'} at ${size} members in ${ms} ms`);
      rates.push(await measure());
    }

    // Stop the feed, let everything in flight land, then compare books.
    clearInterval(feedTimer);
    feedTimer = undefined;
    ingest.flush();
    await sleep(300);
    await Promise.all(members.map((m) => m.sub.settle(15_000)));
    const dumps = await ingest.dump();
    let consistent = members.length > 0;
    const held = new Set<string>();
    for (const m of members) {
      const c = compareBooks(dumps, m.sub.mirrors, (ex, sym) => m.group.accepts(ex, sym));
      for (const d of dumps) if (m.group.accepts(d.exchange, d.symbol)) held.add(`${d.exchange}\u0000${d.symbol}`);
      if (c.mismatches.length) {
        consistent = false;
        failures.push(`${m.name}: ${c.mismatches.length} books differ from the ingest's (first: ${c.mismatches[0]!.exchange}:${c.mismatches[0]!.symbol} ${c.mismatches[0]!.reason})`);
      }
    }
    const unheld = dumps.filter((d) => !held.has(`${d.exchange}\u0000${d.symbol}`));
    if (unheld.length) { consistent = false; failures.push(`${unheld.length} published books held by no member (first: ${unheld[0]!.exchange}:${unheld[0]!.symbol})`); }

    let gaps = 0;
    let resyncs = 0;
    let handoverTimeouts = 0;
    for (const m of [...members, ...retired]) {
      const t = m.sub.mirrors.totals();
      gaps += t.gaps + m.sub.mirrors.retired.gaps;
      resyncs += t.resyncs + m.sub.mirrors.retired.resyncs;
      handoverTimeouts += m.group.membership.stats.handoverTimeouts;
    }
    const [before = 0, after = 0, back = 0] = rates;
    const share = (i: number) => (inputRates[i] ? rates[i]! / inputRates[i]! : 0);
    const ratio = share(0) > 0 ? share(1) / share(0) : 0;
    const expected = sizes.length >= 2 ? sizes[0]! / sizes[1]! : 1;
    if (observer.violations > 0) failures.push(`${observer.violations} ownership violations`);
    if (observer.partialMembers().length) failures.push(`members ${observer.partialMembers().join(', ')} sent partial heartbeats: ownership could not be audited`);
    if (rebalance.some((ms) => ms >= 2000)) failures.push(`a rebalance took ${Math.max(...rebalance)} ms (limit 2000)`);
    if (rates.length >= 2 && Math.abs(ratio - expected) > expected * 0.35) failures.push(`per-member rate went ${before.toFixed(0)} -> ${after.toFixed(0)} msg/s at input ${inputRates[0]} -> ${inputRates[1]}/s (share ratio ${ratio.toFixed(2)}, expected about ${expected.toFixed(2)})`);
    const [mBefore = 0, mAfter = 0] = metricRates;
    const mRatio = mBefore > 0 && inputRates[1] ? (mAfter / inputRates[1]) / (mBefore / inputRates[0]!) : 0;
    if (rates.length >= 2 && Math.abs(mRatio - expected) > expected * 0.35) failures.push(`GroupMemberProcessedRate went ${mBefore} -> ${mAfter} msg/s at input ${inputRates[0]} -> ${inputRates[1]}/s (share ratio ${mRatio.toFixed(2)}, expected about ${expected.toFixed(2)})`);
    return {
      drill: 'subscriber-scale', ok: failures.length === 0, sizes, rate, symbols: published.size,
      rebalance_ms: rebalance, ownership_violations: observer.violations,
      per_member_rate_before: Math.round(before), per_member_rate_after: Math.round(after), per_member_rate_back: Math.round(back),
      rate_ratio: Math.round(ratio * 100) / 100, input_rate: inputRates, metric_member_rate: metricRates, books_consistent: consistent, gaps, resyncs, handover_timeouts: handoverTimeouts,
      failures, violations: observer.violationLog,
    };
  } finally {
    if (feedTimer) clearInterval(feedTimer);
    for (const m of [...members, ...retired]) {
      await m.summaries.stop();
      m.group.stop();
      await m.sub.close().catch(() => undefined);
    }
    for (const c of closers.reverse()) await c().catch(() => undefined);
  }
}
