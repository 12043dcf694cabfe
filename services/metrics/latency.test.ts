import * as hdr from 'hdr-histogram-js';
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

describe('HopRecorder', () => {
  it('counts every value in its HDR bucket, at every magnitude up to 60 s (the same percentiles as recording each value)', () => {
    const rec = new LatencyRecorder();
    const direct = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3, autoResize: false });
    const values: number[] = [];
    for (let v = 0; v < 70_000; v++) values.push(v);
    for (let k = 11; k <= 26; k++) for (const d of [-1, 0, 1, 3, 1000, 1023, 1024, 1025]) values.push(2 ** k + d * 2 ** (k - 11));
    values.push(59_999_999, 60_000_000, 75_000_000);
    for (const v of values) { rec.record('end_to_end', v); direct.recordValue(Math.min(v, 60_000_000)); }
    const h = rec.histogram('end_to_end');
    for (let p = 0; p <= 100; p += 0.5) expect(h.getValueAtPercentile(p)).toBe(direct.getValueAtPercentile(p));
    for (const p of [99.9, 99.99, 99.999]) expect(h.getValueAtPercentile(p)).toBe(direct.getValueAtPercentile(p));
    expect([h.totalCount, h.maxValue, h.minNonZeroValue]).toEqual([direct.totalCount, direct.maxValue, direct.minNonZeroValue]);
  });


  it('gives exactly the percentiles of recording every value into the HDR histogram, pending counts included', () => {
    const rec = new LatencyRecorder();
    const direct = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3, autoResize: false });
    let x = 7;
    for (let i = 0; i < 50_000; i++) {
      x = (x * 1103515245 + 12345) % 2 ** 31;
      // Mostly small, some far above the pending range, some negative (clock skew), some fractional.
      const v = i % 97 === 0 ? 5_000 + (x % 2_000_000) : i % 89 === 0 ? -3 : (x % 6_000) / 1.7;
      rec.record('end_to_end', v);
      direct.recordValue(Math.min(Math.max(0, Math.round(v)), 60_000_000));
    }
    const h = rec.histogram('end_to_end');
    for (const p of [0, 1, 50, 90, 99, 99.9, 100]) expect(h.getValueAtPercentile(p)).toBe(direct.getValueAtPercentile(p));
    expect(h.totalCount).toBe(direct.totalCount);
    expect(h.maxValue).toBe(direct.maxValue);
    expect(h.minNonZeroValue).toBe(direct.minNonZeroValue);
    expect(h.mean).toBeCloseTo(direct.mean, 6);
    // Read again after more values: they are there too; reset empties both parts.
    rec.record('end_to_end', 3);
    expect(rec.summary().end_to_end!.count).toBe(50_001);
    rec.reset();
    rec.record('end_to_end', 10);
    expect(rec.summary().end_to_end).toMatchObject({ count: 1, p50: 10, max: 10 });
  });
});
