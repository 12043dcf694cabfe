/**
 * When each subscriber received updates, sampled from the load's counters every few
 * milliseconds. Recovery is "the first update received after the fault", and the fault time is
 * only known once the fault action returns, so the trail is recorded from the start and asked
 * afterwards. Resolution is the poll interval (default 5 ms), which the report states.
 */
import type { DrillLoad } from './types.js';

export const nowMs = (): number => performance.timeOrigin + performance.now();

export class UpdateTrail {
  /** Per subscriber: [receivedAt, publishedAt] samples, receivedAt non-decreasing. */
  private readonly seen = new Map<string, Array<[number, number | undefined]>>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly load: DrillLoad, readonly pollMs = 5) {}

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.pollMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  sample(): void {
    for (const s of this.load.snapshotCounters().subscribers) {
      if (s.lastUpdateAt === undefined) continue;
      let list = this.seen.get(s.name);
      if (!list) this.seen.set(s.name, (list = []));
      if (list[list.length - 1]?.[0] !== s.lastUpdateAt) list.push([s.lastUpdateAt, s.lastPublishedAt]);
    }
  }

  subscribers(): string[] {
    return this.load.snapshotCounters().subscribers.map((s) => s.name);
  }

  /**
   * When a subscriber was first seen to have received an update published after `t` (or, if the
   * load gives no publish times, received after `t`).
   */
  firstAfter(subscriber: string, t: number): number | undefined {
    const list = this.seen.get(subscriber) ?? [];
    // Receive times only grow, so a binary search finds the first sample received after t;
    // an update published after t cannot have been received before it.
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid]![0] > t) hi = mid; else lo = mid + 1;
    }
    for (let i = lo; i < list.length; i++) {
      const [receivedAt, publishedAt] = list[i]!;
      if ((publishedAt ?? receivedAt) > t) return receivedAt;
    }
    return undefined;
  }

  /** Time from `faultAt` until every subscriber had received an update; undefined while one has not. */
  recoveryMs(faultAt: number): { recoveryMs: number | undefined; perSubscriber: Record<string, number | null> } {
    this.sample();
    const perSubscriber: Record<string, number | null> = {};
    let worst = 0;
    let all = true;
    for (const name of this.subscribers()) {
      const first = this.firstAfter(name, faultAt);
      perSubscriber[name] = first === undefined ? null : round(first - faultAt);
      if (first === undefined) all = false; else worst = Math.max(worst, first - faultAt);
    }
    return { recoveryMs: all && Object.keys(perSubscriber).length ? round(worst) : undefined, perSubscriber };
  }
}

export const round = (ms: number): number => Math.round(ms * 10) / 10;
