/**
 * The subscriber-scale drill against a real 3-node mTLS cluster: a group under pipeline load
 * grows 2 -> 4 -> 2. Done when: no ownership violations, books consistent, every rebalance under
 * 2 s, and the per-member rate about halves when the group doubles.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSubscriberScale } from '../../services/drill/subscriber-scale.js';
import { startTestCluster, type TestCluster } from '../harness/cluster.js';

let tc: TestCluster;
beforeAll(async () => { tc = await startTestCluster(); }, 60_000);
afterAll(async () => { await tc?.stop(); });

describe('subscriber-scale drill (local)', () => {
  it('2 -> 4 -> 2 members: one owner per symbol, books consistent, rate per member halves', async () => {
    const r = await runSubscriberScale({ cfg: tc.config, tlsDir: tc.tlsDir, servers: tc.clientUrls, root: path.resolve('.'), rate: 2000, windowMs: 2500, onEvent: () => undefined });
    console.log(JSON.stringify(r));
    expect(r.failures).toEqual([]);
    expect(r.ownership_violations).toBe(0);
    expect(r.books_consistent).toBe(true);
    expect(r.rebalance_ms).toHaveLength(2);
    for (const ms of r.rebalance_ms) expect(ms).toBeLessThan(2000);
    expect(r.rate_ratio).toBeGreaterThan(0.3);
    expect(r.rate_ratio).toBeLessThan(0.7);
    // The scaling metric, through summaries and the agent, halves too.
    // (each as a share of the input published in its window: a busy machine varies the input).
    const [m2, m4] = r.metric_member_rate;
    const [in2, in4] = r.input_rate;
    expect((m4! / in4!) / (m2! / in2!)).toBeGreaterThan(0.3);
    expect((m4! / in4!) / (m2! / in2!)).toBeLessThan(0.7);
    expect(r.ok).toBe(true);
  }, 120_000);
});
