import type { NatsConnection } from 'nats';
import { loadConfig } from '../../config/load.js';
import { LatencyRecorder } from './latency.js';
import { SummaryPublisher } from './summary-publisher.js';

function fakeNc() {
  const sent: Array<{ subject: string; data: string }> = [];
  const nc = { publish: (subject: string, data: string) => void sent.push({ subject, data }) } as unknown as NatsConnection;
  return { nc, sent };
}

describe('SummaryPublisher', () => {
  const cfg = loadConfig('local');

  it('publishes one interval per flush on _DSM.metrics.<role>.<identity>.<service> and starts afresh', () => {
    const { nc, sent } = fakeNc();
    let t = 1000;
    const p = new SummaryPublisher(nc, cfg, { service: 'subscriber-2', identity: 'subscriber', now: () => t });
    p.latency.record('end_to_end', 250);
    p.counters.count('KRAKEN', 'received', 7);
    t = 3000;
    const s = p.flush();
    expect(sent).toHaveLength(1);
    expect(sent[0]!.subject).toBe('_DSM.metrics.subscriber.subscriber.subscriber-2');
    expect(JSON.parse(sent[0]!.data)).toEqual(s);
    expect(s).toMatchObject({ service: 'subscriber-2', intervalMs: 2000, at: 3000, exchanges: { KRAKEN: { received: 7 } }, subscriberSlow: 0 });
    expect(s.hops.end_to_end).toEqual({ p50: 250, p99: 250, p999: 250, max: 250, count: 1 });
    t = 4000;
    expect(p.flush()).toMatchObject({ intervalMs: 1000, hops: {}, exchanges: {} });
  });

  it('can report a recorder the service keeps for itself, without resetting it', () => {
    const { nc } = fakeNc();
    const own = new LatencyRecorder();
    const p = new SummaryPublisher(nc, cfg, { service: 'demo-exact', identity: 'subscriber', latency: own, reset: false });
    own.record('publish_to_subscriber', 90);
    p.flush();
    expect(own.summary().publish_to_subscriber!.count).toBe(1);
  });

  it('refuses a service name that is not one subject token', () => {
    expect(() => new SummaryPublisher(fakeNc().nc, cfg, { service: 'a.b', identity: 'ops' })).toThrow('service must be a single subject token, got "a.b"');
  });
});
