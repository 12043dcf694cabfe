import { IntervalHop, LatencyRecorder } from './latency.js';

describe('IntervalHop (interval percentiles from a cumulative histogram kept elsewhere)', () => {
  it('describes only what was recorded since the previous call', () => {
    const cumulative = new LatencyRecorder();
    const hop = new IntervalHop();
    expect(hop.next(undefined)).toBeUndefined();
    for (let i = 0; i < 1000; i++) cumulative.record('ingest_to_publish', 5000);
    expect(hop.next(cumulative.encoded('ingest_to_publish'))).toMatchObject({ count: 1000, p50: expect.closeTo(5000, -1) });
    for (let i = 0; i < 100; i++) cumulative.record('ingest_to_publish', 10);
    const second = hop.next(cumulative.encoded('ingest_to_publish'))!;
    // The early 5 ms samples are gone: this interval only saw 10 µs.
    expect(second.count).toBe(100);
    expect(second.max).toBe(10);
    expect(hop.next(cumulative.encoded('ingest_to_publish'))).toBeUndefined();
  });

  it('starts over when the source restarted (its cumulative count went down)', () => {
    const hop = new IntervalHop();
    const a = new LatencyRecorder();
    for (let i = 0; i < 50; i++) a.record('ingest_to_publish', 100);
    hop.next(a.encoded('ingest_to_publish'));
    const b = new LatencyRecorder();
    for (let i = 0; i < 5; i++) b.record('ingest_to_publish', 7);
    expect(hop.next(b.encoded('ingest_to_publish'))).toMatchObject({ count: 5, max: 7 });
  });
});
