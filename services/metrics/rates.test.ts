import fc from 'fast-check';
import { diffSamples, RateTracker, type CounterSample } from './rates.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');

function sample(overrides: Partial<CounterSample> & { at: number; msgs?: number; bytes?: number }): CounterSample {
  const msgs = overrides.msgs ?? 0;
  const bytes = overrides.bytes ?? 0;
  return {
    serverId: overrides.serverId ?? 'A',
    startMs: overrides.startMs ?? T0,
    nowMs: T0 + overrides.at,
    counters: overrides.counters ?? { in_msgs: msgs, out_msgs: msgs * 2, in_bytes: bytes, out_bytes: bytes * 2 },
    slowConsumers: overrides.slowConsumers ?? 0,
  };
}

describe('diffSamples', () => {
  it('needs two samples before it reports a rate', () => {
    expect(diffSamples(undefined, sample({ at: 1000 }))).toEqual({ kind: 'baseline', reason: 'first-sample' });
  });

  it('divides counter deltas by the interval between the samples', () => {
    const out = diffSamples(sample({ at: 10_000, msgs: 1000, bytes: 64_000, slowConsumers: 1 }), sample({ at: 20_000, msgs: 6000, bytes: 384_000, slowConsumers: 3 }));
    expect(out).toEqual({
      kind: 'rates',
      result: { rates: { in_msgs: 500, out_msgs: 1000, in_bytes: 32_000, out_bytes: 64_000 }, slowConsumers: 2, intervalSeconds: 10, reset: false },
    });
  });

  it('measures from the new process start when the server restarted inside the interval', () => {
    // Restarted 4 s before the new sample; the counters (200 msgs) all accrued since.
    const prev = sample({ at: 10_000, msgs: 50_000 });
    const next = sample({ at: 20_000, msgs: 200, serverId: 'B', startMs: T0 + 16_000 });
    const out = diffSamples(prev, next);
    expect(out.kind).toBe('rates');
    if (out.kind !== 'rates') return;
    expect(out.result.reset).toBe(true);
    expect(out.result.intervalSeconds).toBe(4);
    expect(out.result.rates.in_msgs).toBe(50);
    expect(out.result.rates.out_msgs).toBe(100);
  });

  it('treats a counter going down as a reset even with the same server id', () => {
    const out = diffSamples(sample({ at: 10_000, msgs: 900 }), sample({ at: 20_000, msgs: 100 }));
    // Same start time as before the previous sample: no interval to measure over.
    expect(out).toEqual({ kind: 'baseline', reason: 'reset-without-interval' });
  });

  it('detects a restart by server id even when counters happen to be higher', () => {
    const out = diffSamples(sample({ at: 10_000, msgs: 10 }), sample({ at: 20_000, msgs: 500, serverId: 'B', startMs: T0 + 15_000 }));
    expect(out.kind === 'rates' && out.result.reset && out.result.rates.in_msgs).toBe(100);
  });

  it('skips a sample whose clock did not advance', () => {
    expect(diffSamples(sample({ at: 10_000, msgs: 1 }), sample({ at: 10_000, msgs: 1 }))).toEqual({ kind: 'baseline', reason: 'clock-not-advanced' });
  });

  it('never yields a negative rate or slow-consumer count, whatever the sequence of samples', () => {
    const step = fc.record({
      dt: fc.integer({ min: 0, max: 20_000 }),
      restart: fc.boolean(),
      restartAgo: fc.integer({ min: 0, max: 30_000 }),
      add: fc.array(fc.nat(1_000_000), { minLength: 5, maxLength: 5 }),
    });
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 40 }), (steps) => {
        const tracker = new RateTracker();
        let now = T0;
        let start = T0 - 1000;
        let id = 0;
        let c = [0, 0, 0, 0, 0];
        for (const s of steps) {
          now += s.dt;
          if (s.restart) {
            id += 1;
            start = Math.max(start + 1, now - s.restartAgo);
            c = [0, 0, 0, 0, 0];
          }
          c = c.map((v, i) => v + (s.add[i] ?? 0));
          const out = tracker.observe('n1', {
            serverId: `S${id}`,
            startMs: start,
            nowMs: now,
            counters: { in_msgs: c[0]!, out_msgs: c[1]!, in_bytes: c[2]!, out_bytes: c[3]! },
            slowConsumers: c[4]!,
          });
          if (out.kind === 'rates') {
            for (const v of Object.values(out.result.rates)) expect(v).toBeGreaterThanOrEqual(0);
            expect(out.result.slowConsumers).toBeGreaterThanOrEqual(0);
            expect(Number.isFinite(out.result.rates.in_msgs)).toBe(true);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('RateTracker', () => {
  it('keeps a baseline per node', () => {
    const t = new RateTracker();
    t.observe('n1', sample({ at: 0, msgs: 0 }));
    t.observe('n2', sample({ at: 0, msgs: 1000 }));
    const a = t.observe('n1', sample({ at: 2000, msgs: 100 }));
    const b = t.observe('n2', sample({ at: 2000, msgs: 1400 }));
    expect(a.kind === 'rates' && a.result.rates.in_msgs).toBe(50);
    expect(b.kind === 'rates' && b.result.rates.in_msgs).toBe(200);
  });
});
