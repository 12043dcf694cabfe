/**
 * A subscriber group member: heartbeats on `_DSM.group.<identity>.<group>`, keeps the group's
 * symbol universe (config + the ingest's announcements), and drives its Subscriber from the
 * membership plan: subscribe + snapshot what it gains, unsubscribe what it has handed over.
 */
import type { Subscription } from 'nats';
import type { DsmConfig } from '../../../config/schema.js';
import { childLogger } from '../../common/log.js';
import { SymbolAnnouncementSchema } from '../../ingest/announce.js';
import type { GroupStatus } from '../../metrics/latency.js';
import { groupSubject, subjectScheme, symbolsSubject } from '../../nats/subjects.js';
import type { Subscriber } from '../subscriber.js';
import { GroupHeartbeatSchema, MEMBER_ID, Membership, type GroupHeartbeat } from './membership.js';
import { Universe } from './universe.js';

export interface GroupMemberOptions {
  config: DsmConfig;
  /** The subscriber to drive; created with `accept: member.accepts` and no subjects of its own. */
  subscriber: Subscriber;
  identity: string;
  group: string;
  member: string;
  /** Data patterns the group covers (NYSE.*.orderbook, exact subjects). */
  patterns: string[];
  /** Exchanges the identity is licensed for (undefined: all): which announcements to hear. */
  licensed?: string[];
  /** Largest heartbeat to send (default: the server's max_payload less a margin). */
  maxHeartbeatBytes?: number;
}

const enc = new TextEncoder();
/** How long after subscribing a gained book asks for its first snapshot unprompted. */
const PRIME_DELAY_MS = 50;
const dec = new TextDecoder();

export class GroupMember {
  readonly membership: Membership;
  readonly universe: Universe;
  private readonly subject: string;
  private readonly subs: Subscription[] = [];
  private timer: NodeJS.Timeout | undefined;
  private liveTimer: NodeJS.Timeout | undefined;
  private seq = 0;
  private planQueued = false;
  /** Gained symbols whose book is not live yet: a heartbeat goes out as soon as one is. */
  private readonly warming = new Set<string>();
  /** When each held subject was gained: a partial heartbeat lists the recent ones. */
  private readonly gainedAt = new Map<string, number>();
  /** exchange -> symbols held (the subscriber's accept filter: one map lookup per message). */
  private readonly heldNames = new Map<string, Set<string>>();
  private readonly log = childLogger('group');
  readonly stats = { partialHeartbeats: 0, heartbeatsSent: 0, heartbeatsRefused: 0, announcementsRefused: 0, gained: 0, released: 0, rebalances: 0 };

  constructor(private readonly opts: GroupMemberOptions) {
    for (const [what, v] of [['group', opts.group], ['member', opts.member]] as const) {
      if (!MEMBER_ID.test(v)) throw new Error(`${what} "${v}" must be 1-64 of [A-Za-z0-9_-]`);
    }
    const g = opts.config.groups;
    this.membership = new Membership({ member: opts.member, timeoutMs: g.heartbeatMs * g.missedHeartbeats, handoverMs: g.handoverMs });
    this.universe = new Universe(opts.patterns, opts.config.subjects.dataSuffix);
    for (const ex of opts.config.exchanges) this.universe.add(ex.name, ex.symbols);
    this.subject = groupSubject(subjectScheme(opts.config), opts.identity, opts.group);
  }

  /** For SubscriberOptions.accept: apply only what this member holds. */
  readonly accepts = (exchange: string, symbol: string): boolean => this.heldNames.get(exchange)?.has(symbol) ?? false;

  async start(): Promise<this> {
    const nc = this.opts.subscriber.nc;
    if (!nc) throw new Error('start the subscriber before its group member');
    this.subs.push(nc.subscribe(this.subject, { callback: (err, m) => { if (!err) this.onHeartbeat(m.data); } }));
    for (const subject of this.announcementSubjects()) {
      this.subs.push(nc.subscribe(subject, { callback: (err, m) => { if (!err) this.onAnnouncement(m.data); } }));
    }
    await nc.flush();
    // Say hello at once (peers rebalance now), then listen for one heartbeat period before
    // claiming anything, so a newcomer does not briefly take every symbol.
    this.beat();
    const period = this.opts.config.groups.heartbeatMs;
    await new Promise((r) => setTimeout(r, Math.round(period * 1.5)));
    this.replan();
    this.timer = setInterval(() => {
      this.membership.expire(performance.now());
      this.replan();
      this.beat();
    }, period);
    this.log.info({ group: this.opts.group, member: this.opts.member, members: this.membership.members(), universe: this.universe.size, owned: this.membership.held.size }, 'joined group');
    return this;
  }

  private announcementSubjects(): string[] {
    const s = subjectScheme(this.opts.config);
    const exchanges = new Set(this.opts.patterns.map((p) => p.split('.')[0]!));
    if (exchanges.has('*')) return this.opts.licensed ? this.opts.licensed.map((ex) => symbolsSubject(s, ex)) : [symbolsSubject(s, '*')];
    return [...exchanges].filter((ex) => !this.opts.licensed || this.opts.licensed.includes(ex)).map((ex) => symbolsSubject(s, ex));
  }

  private onHeartbeat(data: Uint8Array): void {
    let hb: GroupHeartbeat;
    try {
      hb = GroupHeartbeatSchema.parse(JSON.parse(dec.decode(data)));
    } catch (err) {
      this.refuse('malformed group heartbeat', String(err));
      return;
    }
    if (hb.group !== this.opts.group) { this.refuse('heartbeat for another group', hb.group); return; }
    const changed = this.membership.onHeartbeat(hb, performance.now());
    // A membership change, or a new owner reporting a book live, may let this member act now.
    if (changed || this.membership.handingOver > 0) this.queuePlan();
  }

  private onAnnouncement(data: Uint8Array): void {
    const parsed = SymbolAnnouncementSchema.safeParse((() => { try { return JSON.parse(dec.decode(data)); } catch { return undefined; } })());
    if (!parsed.success) {
      this.stats.announcementsRefused++;
      this.refuse('malformed symbol announcement', parsed.error.message, false);
      return;
    }
    if (this.universe.add(parsed.data.exchange, parsed.data.symbols) > 0) this.queuePlan();
  }

  private lastRefusalLog = 0;

  /** Count every refusal; log at most once a second with the running count, so a flood cannot flood the log. */
  private refuse(what: string, detail: string, heartbeat = true): void {
    if (heartbeat) this.stats.heartbeatsRefused++;
    const now = performance.now();
    if (now - this.lastRefusalLog < 1000) return;
    this.lastRefusalLog = now;
    this.log.warn({ group: this.opts.group, member: this.opts.member, detail: detail.slice(0, 200), heartbeatsRefused: this.stats.heartbeatsRefused, announcementsRefused: this.stats.announcementsRefused }, `refused a ${what}`);
  }

  private queuePlan(): void {
    if (this.planQueued || !this.timer) return;
    this.planQueued = true;
    setImmediate(() => { this.planQueued = false; this.replan(); });
  }

  private replan(): void {
    const sub = this.opts.subscriber;
    const plan = this.membership.plan(this.universe.subjects(), performance.now(), (subject) => this.isLive(subject));
    if (plan.gain.length === 0 && plan.release.length === 0) return;
    this.stats.rebalances++;
    for (const subject of plan.gain) {
      const [exchange, symbol] = this.universe.nameOf(subject)!;
      let set = this.heldNames.get(exchange);
      if (!set) this.heldNames.set(exchange, (set = new Set()));
      set.add(symbol);
      sub.addSubject(subject);
      // Interest reaches the other nodes over the routes a moment after SUB: a snapshot taken
      // before that can miss the first deltas (a gap, then a resync). An active book asks for its
      // snapshot on its first delta anyway; this covers quiet ones, a little later.
      setTimeout(() => { if (this.accepts(exchange, symbol)) sub.primeSnapshot(exchange, symbol); }, PRIME_DELAY_MS).unref();
      this.warming.add(subject);
      this.gainedAt.set(subject, performance.now());
      this.stats.gained++;
    }
    for (const subject of plan.release) {
      const name = this.universe.nameOf(subject);
      if (!name) continue;
      this.heldNames.get(name[0])?.delete(name[1]);
      sub.removeSubject(subject, name[0], name[1]);
      this.warming.delete(subject);
      this.gainedAt.delete(subject);
      this.stats.released++;
    }
    if (plan.gain.length) this.watchWarming();
    if (plan.timedOut.length) {
      this.log.warn({ group: this.opts.group, member: this.opts.member, subjects: plan.timedOut.slice(0, 20), owners: plan.timedOut.slice(0, 20).map((s) => this.membership.owner(s)) }, 'hand-over bound passed before the new owner reported these live; released anyway');
    }
    this.log.info({ group: this.opts.group, member: this.opts.member, gained: plan.gain.length, released: plan.release.length, held: this.membership.held.size, members: this.membership.members().length }, 'ownership changed');
  }

  /** Poll briefly while gained books warm up; heartbeat the moment any turns live (losers release on it). */
  private watchWarming(): void {
    if (this.liveTimer) return;
    const started = performance.now();
    this.liveTimer = setInterval(() => {
      let turned = 0;
      for (const subject of this.warming) {
        const name = this.universe.nameOf(subject);
        if (name && this.opts.subscriber.mirrors.get(name[0], name[1])?.isLive) { this.warming.delete(subject); turned++; }
      }
      if (turned) this.beat();
      if (this.warming.size === 0 || performance.now() - started > this.opts.config.groups.handoverMs * 4) {
        clearInterval(this.liveTimer);
        this.liveTimer = undefined;
      }
    }, 10);
  }

  private isLive(subject: string): boolean {
    const name = this.universe.nameOf(subject);
    return name !== undefined && (this.opts.subscriber.mirrors.get(name[0], name[1])?.isLive ?? false);
  }

  /** Data subjects this member has a live book for. */
  liveSubjects(): string[] {
    return [...this.membership.held].filter((s) => this.isLive(s));
  }

  private beat(): void {
    const nc = this.opts.subscriber.nc;
    if (!nc || nc.isClosed()) return;
    const hb: GroupHeartbeat = { v: 1, group: this.opts.group, member: this.opts.member, seq: this.seq++, leaving: this.membership.isLeaving, live: this.liveSubjects(), partial: false };
    let data = enc.encode(JSON.stringify(hb));
    const limit = this.opts.maxHeartbeatBytes ?? (nc.info?.max_payload ?? 1_048_576) - 4096;
    if (data.length > limit) {
      // Too many books for one message: list those gained within a hand-over or two (what a
      // loser waits for); older ones are settled and need no announcement.
      const g = this.opts.config.groups;
      const since = performance.now() - 2 * (g.handoverMs + g.heartbeatMs * g.missedHeartbeats);
      hb.live = hb.live.filter((s) => (this.gainedAt.get(s) ?? 0) >= since);
      hb.partial = true;
      data = enc.encode(JSON.stringify(hb));
      if (this.stats.partialHeartbeats++ === 0) this.log.warn({ group: this.opts.group, member: this.opts.member, held: this.membership.held.size, limit }, 'heartbeat too large for one message: sending recent gains only (outside audits of this member are partial)');
    }
    try {
      nc.publish(this.subject, data);
      this.stats.heartbeatsSent++;
    } catch (err) {
      this.log.warn({ err: String(err) }, 'group heartbeat not published');
    }
  }

  status(): GroupStatus {
    const m = this.membership;
    const members = m.members();
    let owned = 0;
    for (const subject of m.held) if (m.owner(subject) === this.opts.member) owned++;
    return { name: this.opts.group, member: this.opts.member, members: members.length, owned, live: this.liveSubjects().length, handingOver: m.handingOver, universe: this.universe.size };
  }

  /**
   * Leave the group gracefully: peers take every symbol at once; this member keeps applying each
   * until its new owner reports it live (bounded by the hand-over), then stops.
   */
  async leave(): Promise<void> {
    if (!this.timer) return;
    this.membership.leave();
    this.beat();
    const deadline = performance.now() + this.opts.config.groups.handoverMs + this.opts.config.groups.heartbeatMs * 2;
    while (this.membership.held.size > 0 && performance.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
      this.replan();
    }
    // A last word with nothing live, so nobody counts this member as an owner until it times out.
    this.beat();
    this.stop();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.liveTimer) clearInterval(this.liveTimer);
    this.timer = undefined;
    this.liveTimer = undefined;
    for (const s of this.subs) s.unsubscribe();
  }
}
