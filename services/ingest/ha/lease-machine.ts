/**
 * Leader lease over heartbeats, as a pure state machine (no clock, no I/O: the caller passes the
 * time and carries out the actions). Every member heartbeats; a standby that hears no leader for
 * `missed` heartbeat periods takes over with a higher epoch. Two leaders (a partition healing,
 * two members starting together) resolve deterministically: the higher (epoch, id) keeps the
 * lease and the other steps down. The epoch is the fencing token every published message carries.
 */
export interface Heartbeat {
  id: string;
  epoch: number;
  leader: boolean;
}

/**
 * Epochs advance by one per takeover. A member that already knows the group's epoch accepts a
 * heartbeat at most this far ahead of it (several takeovers it slept through); anything further
 * is forged or corrupt and is refused, never obeyed.
 */
export const MAX_EPOCH_STEP = 16;
/**
 * Highest epoch anyone may claim: the wire carries epochs as u32, and a claim near 2^32-1 would
 * leave no room for a later takeover (and fence every subscriber against every real message).
 * 2^31 takeovers is centuries of failovers.
 */
export const MAX_EPOCH = 2 ** 31;

export type LeaseAction = { kind: 'promote'; epoch: number } | { kind: 'demote'; by: string; epoch: number };

export interface LeaseOptions {
  id: string;
  heartbeatMs: number;
  missed: number;
}

const outranks = (a: { epoch: number; id: string }, b: { epoch: number; id: string }) => a.epoch > b.epoch || (a.epoch === b.epoch && a.id > b.id);

export class LeaseMachine {
  leader = false;
  epoch = 0;
  /** Highest epoch seen from anyone (a takeover must exceed it). */
  private highestEpoch = 0;
  private leaderSeen: { id: string; epoch: number; at: number } | undefined;
  private readonly startedAt: number;

  constructor(private readonly opts: LeaseOptions, now: number) {
    this.startedAt = now;
  }

  get timeoutMs(): number { return this.opts.heartbeatMs * this.opts.missed; }

  /** Who this member believes holds the lease. */
  holder(): string | undefined {
    return this.leader ? this.opts.id : this.leaderSeen?.id;
  }

  heartbeat(): Heartbeat {
    return { id: this.opts.id, epoch: this.epoch, leader: this.leader };
  }

  /** Why a heartbeat must be refused, or undefined when it is plausible. */
  judge(hb: Heartbeat): string | undefined {
    if (!Number.isInteger(hb.epoch) || hb.epoch < 0 || hb.epoch > MAX_EPOCH) return `epoch ${hb.epoch} outside 0..${MAX_EPOCH}`;
    const known = Math.max(this.highestEpoch, this.epoch);
    // A member that has seen the group's epoch bounds how far it may jump; a fresh member has
    // nothing to compare with and takes the first claim within MAX_EPOCH.
    if (known > 0 && hb.epoch > known + MAX_EPOCH_STEP) return `epoch ${hb.epoch} jumps more than ${MAX_EPOCH_STEP} past the group's ${known}`;
    return undefined;
  }

  onHeartbeat(hb: Heartbeat, now: number): LeaseAction | undefined {
    if (hb.id === this.opts.id) return undefined;
    if (this.judge(hb) !== undefined) return undefined;
    this.highestEpoch = Math.max(this.highestEpoch, hb.epoch);
    if (!hb.leader) return undefined;
    if (this.leader) {
      if (outranks(hb, { epoch: this.epoch, id: this.opts.id })) {
        this.leader = false;
        this.leaderSeen = { id: hb.id, epoch: hb.epoch, at: now };
        return { kind: 'demote', by: hb.id, epoch: hb.epoch };
      }
      return undefined;
    }
    if (!this.leaderSeen || !outranks(this.leaderSeen, hb) || this.leaderSeen.id === hb.id) this.leaderSeen = { id: hb.id, epoch: hb.epoch, at: now };
    return undefined;
  }

  /** Called every heartbeat period: take the lease when the leader has gone quiet. */
  tick(now: number): LeaseAction | undefined {
    if (this.leader) return undefined;
    const lastHeard = this.leaderSeen?.at ?? this.startedAt;
    if (now - lastHeard < this.timeoutMs) return undefined;
    this.epoch = Math.max(this.highestEpoch, this.epoch) + 1;
    this.highestEpoch = this.epoch;
    this.leader = true;
    this.leaderSeen = undefined;
    return { kind: 'promote', epoch: this.epoch };
  }
}
