import { ClientRateTracker } from './client-rates.js';

describe('ClientRateTracker', () => {
  it('sums per-connection deltas, counting a new connection in full', () => {
    const t = new ClientRateTracker();
    expect(t.observe('n1', 'S', 0, [{ cid: 1, in_msgs: 100, out_msgs: 0 }, { cid: 2, in_msgs: 0, out_msgs: 50 }])).toBeUndefined();
    const r = t.observe('n1', 'S', 2000, [
      { cid: 1, in_msgs: 1100, out_msgs: 0 },
      { cid: 2, in_msgs: 0, out_msgs: 2050 },
      { cid: 7, in_msgs: 0, out_msgs: 400 },
    ]);
    expect(r).toEqual({ inRate: 500, outRate: 1200, activePublishers: 1, activeReceivers: 2, maxConnInRate: 500, maxConnOutRate: 1000, intervalSeconds: 2 });
  });

  it('drops baselines when the server restarted, and never goes negative on a reused cid', () => {
    const t = new ClientRateTracker();
    t.observe('n1', 'S', 0, [{ cid: 1, in_msgs: 5000, out_msgs: 5000 }]);
    expect(t.observe('n1', 'T', 1000, [{ cid: 1, in_msgs: 10, out_msgs: 10 }])).toBeUndefined();
    const r = t.observe('n1', 'T', 2000, [{ cid: 1, in_msgs: 20, out_msgs: 30 }]);
    expect(r).toMatchObject({ inRate: 10, outRate: 20 });
    // Same server, cid reused by a new connection with lower counters: counted fresh, not negative.
    const r2 = t.observe('n1', 'T', 3000, [{ cid: 1, in_msgs: 3, out_msgs: 0 }]);
    expect(r2).toMatchObject({ inRate: 3, outRate: 0 });
  });
});
