/**
 * Drills on the local target against a real 3-node mTLS cluster from the harness, under the
 * built-in sequenced load: refusal on a degraded cluster, node loss end to end, cert rotation.
 */
import { runDrill } from '../../services/drill/engine.js';
import { LocalTarget } from '../../services/drill/local-target.js';
import { loadRunbook, validateRunbook } from '../../services/drill/runbook.js';
import { SequencedLoad } from '../../services/drill/sequenced-load.js';
import { startTestCluster, type TestCluster } from '../harness/cluster.js';

describe('local drills', () => {
  let tc: TestCluster;
  beforeAll(async () => { tc = await startTestCluster(); });
  afterAll(async () => { await tc?.stop(); });

  const load = () => new SequencedLoad({ cfg: tc.config, tlsDir: tc.tlsDir, servers: tc.clientUrls, rate: 1000, publisherNode: 2, subscriberNodes: [1, 2] });

  it('nats-node-loss: SIGKILL node 2 under load, recovers under 2 s, books consistent', async () => {
    const rb = await loadRunbook('nats-node-loss');
    expect(validateRunbook(rb, 'local')).toEqual([]);
    const report = await runDrill(rb, { target: new LocalTarget(tc.cluster), load: load(), warmupMs: 1000 });
    console.log(JSON.stringify({ ...report, timeline: report.timeline.map((e) => `${e.t_ms} ${e.phase} ${e.step ?? ''} ${e.what} ${e.ok} ${e.detail ?? ''}`) }, null, 1));
    expect(report.failures).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.books_consistent).toBe(true);
    expect(report.published).toBeGreaterThan(2000);
    expect(report.recovery_ms).not.toBeNull();
    expect(report.recovery_ms!).toBeLessThan(2000);
    expect(report.detect_ms).not.toBeNull();
    const statuses = await tc.cluster.status();
    expect(statuses.every((s) => s.running && s.routes === 2)).toBe(true);
  });
});
