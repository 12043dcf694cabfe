/**
 * Watches a subscriber group from outside, as an operator would (ops identity, the group's
 * heartbeat subject): who is a member, which member has which book live, and how long any
 * symbol spends with zero or several live owners. Pure bookkeeping apart from the subscription.
 */
import type { NatsConnection, Subscription } from 'nats';
import { GroupHeartbeatSchema, type GroupHeartbeat } from '../subscriber/group/membership.js';
import { ownerOf } from '../subscriber/group/rendezvous.js';

interface Seen { at: number; hb: GroupHeartbeat }

export interface OwnershipView {
  /** Symbols with exactly one live owner, and that owner is the hash's choice among members. */
  settled: boolean;
  zero: string[];
  multiple: string[];
  misplaced: string[];
}

export class GroupObserver {
  private readonly seen = new Map<string, Seen>();
  private sub: Subscription | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** Symbol -> when its owner count first left 1 (cleared once it is back to 1). */
  private readonly badSince = new Map<string, number>();
  /** Symbol episodes that stayed at 0 or 2+ owners past the allowed bound. */
  violations = 0;
  readonly violationLog: Array<{ symbol: string; owners: number; ms: number }> = [];
  private readonly counted = new Set<string>();
  refused = 0;
  /** Violations count only once armed (after the group first formed: before, nothing owns anything). */
  armed = false;

  constructor(private readonly opts: { timeoutMs: number; boundMs: number; symbols: () => ReadonlySet<string> }) {}

  start(nc: NatsConnection, subject: string): this {
    this.sub = nc.subscribe(subject, {
      callback: (err, m) => {
        if (err) return;
        const parsed = GroupHeartbeatSchema.safeParse((() => { try { return JSON.parse(m.string()); } catch { return undefined; } })());
        if (!parsed.success) { this.refused++; return; }
        this.seen.set(parsed.data.member, { at: performance.now(), hb: parsed.data });
      },
    });
    this.timer = setInterval(() => this.sample(), 25);
    return this;
  }

  /** Members whose heartbeats list only recent gains (too many books for one message): not auditable. */
  partialMembers(): string[] {
    return [...this.seen].filter(([, s]) => s.hb.partial).map(([m]) => m);
  }

  /** Members heard within the timeout and not leaving. */
  members(now = performance.now()): string[] {
    return [...this.seen].filter(([, s]) => now - s.at <= this.opts.timeoutMs && !s.hb.leaving).map(([m]) => m).sort();
  }

  view(now = performance.now()): OwnershipView {
    const fresh = [...this.seen.values()].filter((s) => now - s.at <= this.opts.timeoutMs);
    const members = this.members(now);
    const owners = new Map<string, string[]>();
    for (const s of fresh) for (const sym of s.hb.live) owners.set(sym, [...(owners.get(sym) ?? []), s.hb.member]);
    const v: OwnershipView = { settled: true, zero: [], multiple: [], misplaced: [] };
    for (const sym of this.opts.symbols()) {
      const o = owners.get(sym) ?? [];
      if (o.length === 0) v.zero.push(sym);
      else if (o.length > 1) v.multiple.push(sym);
      else if (o[0] !== ownerOf(sym, members)) v.misplaced.push(sym);
    }
    v.settled = v.zero.length === 0 && v.multiple.length === 0 && v.misplaced.length === 0 && members.length > 0;
    return v;
  }

  private sample(): void {
    if (!this.armed) return;
    const now = performance.now();
    const v = this.view(now);
    const bad = new Map<string, number>([...v.zero.map((s) => [s, 0] as const), ...v.multiple.map((s) => [s, 2] as const)]);
    for (const sym of this.badSince.keys()) if (!bad.has(sym)) { this.badSince.delete(sym); this.counted.delete(sym); }
    for (const [sym, owners] of bad) {
      const since = this.badSince.get(sym) ?? now;
      this.badSince.set(sym, since);
      if (now - since > this.opts.boundMs && !this.counted.has(sym)) {
        this.counted.add(sym);
        this.violations++;
        this.violationLog.push({ symbol: sym, owners, ms: Math.round(now - since) });
      }
    }
  }

  /** Wait until ownership is settled with exactly these many members; returns ms waited or undefined on timeout. */
  async waitSettled(members: number, timeoutMs: number): Promise<number | undefined> {
    const t0 = performance.now();
    while (performance.now() - t0 < timeoutMs) {
      if (this.members().length === members && this.view().settled) return performance.now() - t0;
      await new Promise((r) => setTimeout(r, 10));
    }
    return undefined;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.sub?.unsubscribe();
  }
}
