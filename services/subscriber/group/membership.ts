/**
 * One member's view of its subscriber group, as a pure state machine (the caller passes the time
 * and carries out the plan). Members heartbeat; a member unheard for `timeoutMs` is dropped; an
 * announced leaver is dropped at once. Ownership is rendezvous hashing over the live member list,
 * so every member computes the same owner for every symbol.
 *
 * Hand-over: a member that gains a symbol subscribes and takes a snapshot at once; a member that
 * loses one keeps applying it until the new owner's heartbeat reports the symbol live, or
 * `handoverMs` has passed, so a symbol is never unowned while its new owner warms up, and never
 * doubly owned for longer than the hand-over.
 */
import { z } from 'zod';
import { ownerOf } from './rendezvous.js';

export const MEMBER_ID = /^[A-Za-z0-9_-]{1,64}$/;

export const GroupHeartbeatSchema = z.object({
  v: z.literal(1),
  group: z.string().regex(MEMBER_ID),
  member: z.string().regex(MEMBER_ID),
  seq: z.number().int().nonnegative(),
  /** The member is draining: drop it from the member list now, take its symbols. */
  leaving: z.boolean().default(false),
  /** Data subjects whose books this member has live (applies every update of). */
  live: z.array(z.string().min(1).max(300)).max(100_000),
  /**
   * The full list would not fit in one message (max_payload): `live` then holds only the books
   * gained recently, which is all a hand-over needs; outside observers cannot audit this member.
   */
  partial: z.boolean().default(false),
});
export type GroupHeartbeat = z.infer<typeof GroupHeartbeatSchema>;

export interface MembershipOptions {
  member: string;
  timeoutMs: number;
  handoverMs: number;
}

export interface Plan {
  /** Subscribe and snapshot these. */
  gain: string[];
  /** Stop applying these (the new owner is live, the hand-over timed out, or they left the universe). */
  release: string[];
  /** Of release: those let go because the hand-over bound passed before the new owner was live. */
  timedOut: string[];
}

interface Peer {
  lastSeen: number;
  leaving: boolean;
  live: ReadonlySet<string>;
}

export class Membership {
  private readonly peers = new Map<string, Peer>();
  /** Subjects this member subscribes to (owned, or still handing over). */
  readonly held = new Set<string>();
  /** Subject -> when this member learned it lost it. */
  private readonly losing = new Map<string, number>();
  private leaving = false;
  private cachedMembers: string[] | undefined;
  readonly stats = { joins: 0, departures: 0, handedOver: 0, handoverTimeouts: 0 };

  constructor(private readonly opts: MembershipOptions) {}

  get member(): string { return this.opts.member; }

  /** Live members, sorted (self included unless leaving). */
  members(): string[] {
    if (!this.cachedMembers) {
      const ids = [...this.peers].filter(([, p]) => !p.leaving).map(([id]) => id);
      if (!this.leaving) ids.push(this.opts.member);
      this.cachedMembers = ids.sort();
    }
    return this.cachedMembers;
  }

  /** A heartbeat from the group (own echoes are ignored). Returns true when membership changed. */
  onHeartbeat(hb: GroupHeartbeat, now: number): boolean {
    if (hb.member === this.opts.member) return false;
    const known = this.peers.get(hb.member);
    const changed = !known || known.leaving !== hb.leaving;
    if (!known && !hb.leaving) this.stats.joins++;
    if (known && !known.leaving && hb.leaving) this.stats.departures++;
    this.peers.set(hb.member, { lastSeen: now, leaving: hb.leaving, live: new Set(hb.live) });
    if (changed) this.cachedMembers = undefined;
    return changed;
  }

  /** Drop members unheard for the timeout. Returns the ids dropped. */
  expire(now: number): string[] {
    const gone: string[] = [];
    for (const [id, p] of this.peers) {
      if (now - p.lastSeen <= this.opts.timeoutMs) continue;
      this.peers.delete(id);
      if (!p.leaving) this.stats.departures++;
      gone.push(id);
    }
    if (gone.length) this.cachedMembers = undefined;
    return gone;
  }

  /** Stop owning anything: peers take every symbol, this member releases each as they go live. */
  leave(): void {
    this.leaving = true;
    this.cachedMembers = undefined;
  }

  get isLeaving(): boolean { return this.leaving; }

  owner(subject: string): string | undefined {
    return ownerOf(subject, this.members());
  }

  /**
   * What to subscribe to and what to let go of, given the universe now. `selfLive` says whether
   * this member has a live book for a subject: one it never got live (a symbol nobody publishes,
   * a book still awaiting its snapshot) is let go at once, since nobody is being served from it.
   */
  plan(universe: ReadonlySet<string>, now: number, selfLive: (subject: string) => boolean = () => true): Plan {
    const members = this.members();
    const gain: string[] = [];
    const release: string[] = [];
    const timedOut: string[] = [];
    for (const subject of universe) {
      if (this.held.has(subject)) continue;
      if (ownerOf(subject, members) === this.opts.member) {
        this.held.add(subject);
        gain.push(subject);
      }
    }
    for (const subject of this.held) {
      if (!universe.has(subject)) {
        release.push(subject);
        continue;
      }
      const owner = ownerOf(subject, members);
      if (owner === this.opts.member) {
        this.losing.delete(subject);
        continue;
      }
      const since = this.losing.get(subject) ?? now;
      this.losing.set(subject, since);
      if (owner !== undefined && this.peers.get(owner)?.live.has(subject)) {
        this.stats.handedOver++;
        release.push(subject);
      } else if (!selfLive(subject)) {
        release.push(subject);
      } else if (now - since >= this.opts.handoverMs) {
        this.stats.handoverTimeouts++;
        release.push(subject);
        timedOut.push(subject);
      }
    }
    for (const subject of release) {
      this.held.delete(subject);
      this.losing.delete(subject);
    }
    return { gain, release, timedOut };
  }

  /** Subjects held only until their new owner is live. */
  get handingOver(): number { return this.losing.size; }
}
