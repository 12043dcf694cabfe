import { groupFigures } from './group-figures.js';
import type { ServiceSummary } from './latency.js';

const s = (member: string, rate: number, o: { group?: string; depth?: number; busy?: number } = {}): ServiceSummary => ({
  service: `subscriber-${member}`, intervalMs: 500, at: 0, hops: {}, exchanges: {}, subscriberSlow: 0,
  processing: { msgsPerSecond: rate, queueDepth: o.depth ?? 0, processingMicros: 2, busyPercent: o.busy ?? 1 },
  group: { name: o.group ?? 'g', member, members: 2, owned: 1, live: 1, handingOver: 0, universe: 2 },
});

describe('groupFigures', () => {
  it('counts each member once (mean of its reports), then averages over members', () => {
    const [g] = groupFigures([s('a', 100), s('a', 300), s('b', 400, { depth: 7, busy: 40 })]);
    expect(g).toEqual({ group: 'g', members: 2, memberRate: 300, totalRate: 600, maxQueueDepth: 7, maxBusyPercent: 40, processingMicros: 2 });
  });

  it('keeps groups apart and ignores plain subscribers', () => {
    const plain: ServiceSummary = { service: 'subscriber-x', intervalMs: 500, at: 0, hops: {}, exchanges: {}, subscriberSlow: 0 };
    const out = groupFigures([s('a', 10, { group: 'g1' }), s('b', 20, { group: 'g2' }), plain]);
    expect(out.map((g) => [g.group, g.members, g.memberRate])).toEqual([['g1', 1, 10], ['g2', 1, 20]]);
  });
});
