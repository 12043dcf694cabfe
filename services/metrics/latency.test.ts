import { ExchangeCounters, LatencyRecorder, ServiceSummarySchema } from './latency.js';

describe('LatencyRecorder', () => {
  it('summarizes each hop with percentiles within HDR precision (3 significant digits)', () => {
    const r = new LatencyRecorder();
    for (let v = 1; v <= 10_000; v++) r.record('end_to_end', v);
    r.record('ingest_to_publish', 42);
    const s = r.summary();
    expect(s.end_to_end!.count).toBe(10_000);
    expect(s.end_to_end!.p50).toBeGreaterThanOrEqual(4995);
    expect(s.end_to_end!.p50).toBeLessThanOrEqual(5005);
    expect(s.end_to_end!.p99).toBeGreaterThanOrEqual(9890);
    expect(s.end_to_end!.p99).toBeLessThanOrEqual(9910);
    expect(s.end_to_end!.p999).toBeGreaterThanOrEqual(9985);
    expect(s.end_to_end!.max).toBeGreaterThanOrEqual(10_000);
    expect(s.end_to_end!.max).toBeLessThanOrEqual(10_010);
    expect(s.ingest_to_publish).toEqual({ p50: 42, p99: 42, p999: 42, max: 42, count: 1 });
    expect(s.publish_to_subscriber).toBeUndefined();
  });

  it('clamps negative and huge values instead of throwing', () => {
    const r = new LatencyRecorder();
    r.record('publish_to_subscriber', -5);
    r.record('publish_to_subscriber', 1e12);
    const s = r.summary().publish_to_subscriber!;
    expect(s.count).toBe(2);
    expect(s.p50).toBe(0);
    expect(s.max).toBeGreaterThanOrEqual(59_000_000);
  });

  it('starts a fresh interval after reset', () => {
    const r = new LatencyRecorder();
    r.record('end_to_end', 900);
    r.reset();
    expect(r.summary()).toEqual({});
    r.record('end_to_end', 100);
    expect(r.summary().end_to_end).toEqual({ p50: 100, p99: 100, p999: 100, max: 100, count: 1 });
  });
});

describe('ExchangeCounters and the summary schema', () => {
  it('counts per exchange and round-trips through the wire schema', () => {
    const c = new ExchangeCounters();
    c.count('NASDAQ', 'published', 3);
    c.count('NASDAQ', 'published');
    c.count('KRAKEN', 'gaps');
    c.subscriberSlowConsumer();
    const snap = c.snapshot();
    expect(snap).toEqual({ exchanges: { NASDAQ: { published: 4 }, KRAKEN: { gaps: 1 } }, subscriberSlow: 1 });
    const parsed = ServiceSummarySchema.parse(JSON.parse(JSON.stringify({ service: 'ingest-1', intervalMs: 1000, at: 1, hops: {}, ...snap })));
    expect(parsed.exchanges.NASDAQ!.published).toBe(4);
    c.reset();
    expect(c.snapshot()).toEqual({ exchanges: {}, subscriberSlow: 0 });
  });

  it('rejects unknown hops and negative counts', () => {
    expect(ServiceSummarySchema.safeParse({ service: 's', intervalMs: 1, at: 1, hops: { warp: { p50: 1, p99: 1, p999: 1, max: 1, count: 1 } } }).success).toBe(false);
    expect(ServiceSummarySchema.safeParse({ service: 's', intervalMs: 1, at: 1, hops: {}, exchanges: { X: { gaps: -1 } } }).success).toBe(false);
  });
});
