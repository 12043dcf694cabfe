/**
 * The feedback loop on a live cluster under a load change: the in-process agent measures the real
 * publish/deliver rates, the loop moves the client settings in the right direction, never leaves
 * their bounds, waits out the cooldown between changes, and running services receive every change
 * on `_DSM.tune.client`.
 */
import { startTestCluster, type TestCluster } from '../harness/cluster.js';
import { MetricsAgent } from '../../services/metrics/agent.js';
import { onClientTuning, type ClientTuning } from '../../services/tune/client-settings.js';
import { AgentObservationSource, ControlSubjectApplier } from '../../services/tune/local.js';
import { Tuner } from '../../services/tune/loop.js';
import { publishAtRate } from './load.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const COOLDOWN_S = 2;
const STEP_PERCENT = 50;

describe('dsm tune locally, under a load change', () => {
  let tc: TestCluster;
  let agent: MetricsAgent;

  beforeAll(async () => {
    tc = await startTestCluster({
      patch: (c) => ({
        ...c,
        // A 2 ms flush window: 300 msg/s fills less than one message, 5000 msg/s fills 10.
        ingest: { ...c.ingest, batchMicros: 2000 },
        tune: { intervalSeconds: 1, cooldownSeconds: COOLDOWN_S, maxStepPercent: STEP_PERCENT, batchMessages: { min: 1, max: 64 }, maxQueuedMessages: { min: 1000, max: 4000 }, burstSeconds: 1 },
      }),
    });
  });
  afterAll(async () => {
    await agent?.stop();
    await tc?.stop();
  });

  it('raises batch size and queue bound when load rises, lowers the batch when it falls, within bounds and cooldown', async () => {
    const ops = await tc.connect('ops', { servers: [tc.clientUrls[2]!] });
    agent = new MetricsAgent(tc.config, { nc: ops, intervalMs: 500 });
    await agent.start();

    const service = await tc.connect('subscriber', { servers: [tc.clientUrls[1]!] });
    const received: ClientTuning[] = [];
    onClientTuning(service, tc.config, (t) => received.push(t));
    let delivered = 0;
    service.subscribe('NASDAQ.*.orderbook', { callback: () => void delivered++ });
    await service.flush();

    const tuner = new Tuner(tc.config, {
      source: new AgentObservationSource(agent),
      applier: new ControlSubjectApplier(ops, tc.config),
      initial: { batchMessages: 1, maxQueuedMessages: 1000 },
      dryRun: false,
    });
    const pub = await tc.connect('ingest', { servers: [tc.clientUrls[0]!] });
    const load = publishAtRate(pub, 'NASDAQ.AAPL.orderbook', 300);
    const runSteps = async (ms: number) => {
      const until = Date.now() + ms;
      while (Date.now() < until) {
        await sleep(500);
        await tuner.step();
      }
    };

    // Light load: both settings already where they should be.
    await sleep(1200);
    await runSteps(2500);
    expect(tuner.values()).toEqual({ batchMessages: 1, maxQueuedMessages: 1000 });
    expect(tuner.history.filter((d) => d.applied)).toHaveLength(0);

    // Heavy load.
    load.setRate(5000);
    await runSteps(9000);
    const up = tuner.history.filter((d) => d.applied);
    const batchUps = up.filter((d) => d.setting === 'batchMessages');
    const queueUps = up.filter((d) => d.setting === 'maxQueuedMessages');
    expect(batchUps.length).toBeGreaterThanOrEqual(3);
    expect(queueUps.length).toBeGreaterThanOrEqual(2);
    for (const d of up) expect(d.to, `${d.setting} ${d.from}->${d.to}`).toBeGreaterThan(d.from);
    expect(tuner.values().batchMessages).toBeGreaterThanOrEqual(4);
    expect(tuner.values().batchMessages).toBeLessThanOrEqual(12);
    // The queue wants ~5000 but its bound is 4000: it may reach it, never pass it.
    expect(tuner.values().maxQueuedMessages).toBeLessThanOrEqual(4000);
    expect(tuner.values().maxQueuedMessages).toBeGreaterThanOrEqual(2250);

    // Load falls back: the batch comes down again.
    load.setRate(300);
    const before = tuner.values().batchMessages!;
    await runSteps(5000);
    await load.stop();
    const downs = tuner.history.filter((d) => d.applied && d.setting === 'batchMessages' && d.to < d.from);
    expect(downs.length).toBeGreaterThanOrEqual(1);
    expect(tuner.values().batchMessages).toBeLessThan(before);

    // Guard rails over the whole run.
    const applied = tuner.history.filter((d) => d.applied);
    for (const setting of ['batchMessages', 'maxQueuedMessages'] as const) {
      const changes = applied.filter((d) => d.setting === setting);
      const bounds = tc.config.tune[setting];
      for (const [i, d] of changes.entries()) {
        expect(d.to).toBeGreaterThanOrEqual(bounds.min);
        expect(d.to).toBeLessThanOrEqual(bounds.max);
        expect(Math.abs(d.to - d.from)).toBeLessThanOrEqual(Math.max(1, (d.from * STEP_PERCENT) / 100));
        if (i > 0) expect(d.at - changes[i - 1]!.at, `${setting} change ${i} too soon`).toBeGreaterThanOrEqual(COOLDOWN_S * 1000);
      }
      expect(tuner.history.some((d) => d.setting === setting && d.reason.startsWith('cooldown'))).toBe(true);
    }

    // Every change reached the running service, with its reason; the last message carries the final values.
    await sleep(300);
    expect(received).toHaveLength(applied.length);
    expect(received.at(-1)).toMatchObject(tuner.values());
    expect(received[0]!.reason).toMatch(/^(batchMessages|maxQueuedMessages): busiest (publisher|subscriber) at \d+ msg\/s/);
    expect(delivered).toBeGreaterThan(20_000);
  });
});
