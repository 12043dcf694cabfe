/**
 * Per-group figures from the members' summaries: what the subscriber ASG scales on. Pure.
 *
 * A member may report more than once in one agent tick (its interval is shorter than the
 * agent's), so each member counts once, with the mean of its reports; the group's figures are
 * then over members. With several agents sharing the summaries (a queue group), each agent sees
 * a subset of members: the per-member mean stays right on average, which is why the scaling
 * policy reads GroupMemberProcessedRate (Average) rather than a sum.
 */
import type { ServiceSummary } from './latency.js';

export interface GroupFigure {
  group: string;
  members: number;
  /** Mean messages/s per member: falls as members are added (symbols divide). */
  memberRate: number;
  totalRate: number;
  maxQueueDepth: number;
  maxBusyPercent: number;
  /** Mean processing time per message over members (µs). */
  processingMicros: number;
}

export function groupFigures(summaries: readonly ServiceSummary[]): GroupFigure[] {
  const byGroup = new Map<string, Map<string, ServiceSummary[]>>();
  for (const s of summaries) {
    if (!s.group || !s.processing) continue;
    let members = byGroup.get(s.group.name);
    if (!members) byGroup.set(s.group.name, (members = new Map()));
    const list = members.get(s.group.member);
    if (list) list.push(s);
    else members.set(s.group.member, [s]);
  }
  const out: GroupFigure[] = [];
  for (const [group, members] of byGroup) {
    let total = 0;
    let depth = 0;
    let busy = 0;
    let micros = 0;
    for (const reports of members.values()) {
      const mean = (f: (s: ServiceSummary) => number) => reports.reduce((a, s) => a + f(s), 0) / reports.length;
      total += mean((s) => s.processing!.msgsPerSecond);
      micros += mean((s) => s.processing!.processingMicros);
      depth = Math.max(depth, ...reports.map((s) => s.processing!.queueDepth));
      busy = Math.max(busy, ...reports.map((s) => s.processing!.busyPercent));
    }
    const n = members.size;
    out.push({ group, members: n, memberRate: total / n, totalRate: total, maxQueueDepth: depth, maxBusyPercent: busy, processingMicros: micros / n });
  }
  return out;
}
