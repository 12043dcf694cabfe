import type { NatsConnection } from 'nats';
import { loadConfig } from '../../config/load.js';
import { ServiceTuning, TuningAckSchema, type TuningAck } from './apply.js';

const cfg = loadConfig('local');

function harness() {
  const published: Array<{ subject: string; ack: TuningAck }> = [];
  const nc = { publish: (subject: string, data: string) => published.push({ subject, ack: TuningAckSchema.parse(JSON.parse(data)) }) } as unknown as NatsConnection;
  let queue = cfg.client.maxQueuedMessages;
  const t = new ServiceTuning(nc, cfg, 'subscriber-a', [{ setting: 'maxQueuedMessages', get: () => queue, set: (v) => { queue = v; } }]);
  return { t, published, queue: () => queue };
}

describe('ServiceTuning (the service end of the loop)', () => {
  it('applies its own setting, ignores others, and acknowledges on its ack subject', () => {
    const h = harness();
    h.t.apply({ maxQueuedMessages: 8000, batchMessages: 32, reason: 'r', at: 1 });
    expect(h.queue()).toBe(8000);
    expect(h.published).toHaveLength(1);
    expect(h.published[0]!.subject).toBe('_DSM.tune.ack.subscriber-a');
    expect(h.published[0]!.ack).toMatchObject({ service: 'subscriber-a', tuningAt: 1, applied: { maxQueuedMessages: 8000 }, clamped: [] });
  });

  it('clamps to the config bounds instead of obeying an absurd value', () => {
    const h = harness();
    const { min, max } = cfg.tune.maxQueuedMessages;
    h.t.apply({ maxQueuedMessages: 1e9, reason: 'r', at: 1 });
    expect(h.queue()).toBe(max);
    h.t.apply({ maxQueuedMessages: 1, reason: 'r', at: 2 });
    expect(h.queue()).toBe(min);
    expect(h.published.map((p) => p.ack.clamped.length)).toEqual([1, 1]);
    expect(h.t.stats.clamped).toBe(2);
  });

  it('never lets an older decision undo a newer one', () => {
    const h = harness();
    h.t.apply({ maxQueuedMessages: 9000, reason: 'new', at: 10 });
    expect(h.t.apply({ maxQueuedMessages: 2000, reason: 'old', at: 5 })).toBeUndefined();
    expect(h.queue()).toBe(9000);
    expect(h.t.stats.stale).toBe(1);
  });

  it('says nothing when the message holds none of its settings', () => {
    const h = harness();
    expect(h.t.apply({ batchMessages: 8, reason: 'ingest only', at: 1 })).toBeUndefined();
    expect(h.published).toEqual([]);
  });

  it('refuses a service name that is not one subject token', () => {
    expect(() => new ServiceTuning({} as NatsConnection, cfg, 'a.b', [])).toThrow(/single subject token/);
  });
});
