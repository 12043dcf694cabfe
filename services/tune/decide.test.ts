import fc from 'fast-check';
import { loadConfig } from '../../config/load.js';
import { decide, decideAll, desiredBatchMessages, desiredMaxQueued, desiredScalingTarget, stepToward, type Guard, type TuneObservation } from './decide.js';

const guard: Guard = { maxStepPercent: 20, cooldownSeconds: 60, deadbandPercent: 10 };
const obs = (o: Partial<TuneObservation> = {}): TuneObservation => ({ at: 0, publisherRate: 0, receiverRate: 0, slowConsumers: 0, subscriberSlow: 0, ...o });

describe('stepToward', () => {
  it('moves at most maxStepPercent, at least 1 for integers, and never past the target', () => {
    expect(stepToward(100, 1000, { min: 1, max: 5000 }, 20, true)).toBe(120);
    expect(stepToward(100, 110, { min: 1, max: 5000 }, 20, true)).toBe(110);
    expect(stepToward(1, 10, { min: 1, max: 5000 }, 20, true)).toBe(2);
    expect(stepToward(100, 10, { min: 1, max: 5000 }, 20, true)).toBe(80);
    // 50% of 5 is 2.5: down to 3, not 2 (rounding never stretches a step).
    expect(stepToward(5, 1, { min: 1, max: 64 }, 50, true)).toBe(3);
    expect(stepToward(3, 10, { min: 1, max: 64 }, 50, true)).toBe(4);
    expect(stepToward(200_000, 100_000, { min: 50_000, max: 500_000 }, 20, false)).toBe(160_000);
  });

  it('always stays inside the bounds and within one step, whatever the inputs', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 100_000 }), fc.integer({ min: 0, max: 10_000_000 }), fc.integer({ min: 1, max: 100 }), fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 0, max: 100_000 }),
      (current, desired, step, min, span) => {
        const bounds = { min, max: min + span };
        const c = Math.min(bounds.max, Math.max(bounds.min, current));
        const next = stepToward(c, desired, bounds, step, true);
        expect(next).toBeGreaterThanOrEqual(bounds.min);
        expect(next).toBeLessThanOrEqual(bounds.max);
        expect(Math.abs(next - c)).toBeLessThanOrEqual(Math.max(1, (c * step) / 100));
        // Direction: toward the (clamped) desired value, never away from it.
        const target = Math.min(bounds.max, Math.max(bounds.min, desired));
        expect(Math.abs(target - next)).toBeLessThanOrEqual(Math.abs(target - c));
      },
    ));
  });
});

describe('decide', () => {
  const bounds = { min: 1, max: 1024 };
  it('changes by a bounded step and says why', () => {
    expect(decide('batchMessages', { value: 10 }, { value: 40, reason: 'load up' }, bounds, guard, 0)).toEqual({
      setting: 'batchMessages', action: 'change', from: 10, to: 12, reason: 'load up; wants 40, step limited to 20%',
    });
  });

  it('holds during the cooldown after a change', () => {
    const d = decide('batchMessages', { value: 10, lastChangeAt: 1000 }, { value: 40, reason: 'load up' }, bounds, guard, 31_000);
    expect(d).toMatchObject({ action: 'hold', to: 10, reason: 'cooldown: 30 s left since the last change' });
    expect(decide('batchMessages', { value: 10, lastChangeAt: 1000 }, { value: 40, reason: 'x' }, bounds, guard, 61_000).action).toBe('change');
  });

  it('ignores differences inside the dead band and clamps to the bounds', () => {
    expect(decide('batchMessages', { value: 100 }, { value: 105, reason: 'noise' }, bounds, guard, 0).action).toBe('hold');
    expect(decide('batchMessages', { value: 1024 }, { value: 5000, reason: 'very busy' }, bounds, guard, 0)).toMatchObject({ action: 'hold', reason: 'very busy; wants 1024 (clamped to [1, 1024]), within 10% of 1024' });
    expect(decide('batchMessages', { value: 3 }, undefined, bounds, guard, 0)).toMatchObject({ action: 'hold', reason: 'no measurement to act on' });
  });
});

describe('desired values', () => {
  it('sizes the batch to the messages one flush window holds', () => {
    expect(desiredBatchMessages(obs({ publisherRate: 50_000 }), 200)!.value).toBe(10);
    expect(desiredBatchMessages(obs({ publisherRate: 100 }), 200)!.value).toBe(1);
  });

  it('does not resize anything from an idle interval', () => {
    expect(desiredBatchMessages(obs({ publisherRate: 0 }), 200)).toBeUndefined();
    expect(desiredMaxQueued(obs({ receiverRate: 0 }), 5000, 1, 20)).toBeUndefined();
    const ds = decideAll(loadConfig('local'), obs({}), { batchMessages: { value: 64 }, maxQueuedMessages: { value: 50_000 } }, 0);
    expect(ds.map((d) => [d.setting, d.action, d.reason])).toEqual([
      ['batchMessages', 'hold', 'no measurement to act on'],
      ['maxQueuedMessages', 'hold', 'no measurement to act on'],
    ]);
  });

  it('sizes the subscriber queue to the burst, and grows it on overflows regardless of rate', () => {
    expect(desiredMaxQueued(obs({ receiverRate: 30_000 }), 5000, 1, 20)).toMatchObject({ value: 30_000 });
    expect(desiredMaxQueued(obs({ receiverRate: 10, subscriberSlow: 2 }), 5000, 1, 20)).toEqual({ value: 6000, reason: '2 subscriber overflow(s)/slow consumer(s) in the interval' });
  });

  it('lowers the ASG target when p99 is over the SLO and raises it with clear headroom', () => {
    expect(desiredScalingTarget(obs({ e2eP99Micros: 1500 }), 200_000, 1000, 20)!.value).toBe(160_000);
    expect(desiredScalingTarget(obs({ e2eP99Micros: 300 }), 200_000, 1000, 20)!.value).toBe(240_000);
    expect(desiredScalingTarget(obs({ e2eP99Micros: 300, slowConsumers: 1 }), 200_000, 1000, 20)!.value).toBe(200_000);
    expect(desiredScalingTarget(obs({}), 200_000, 1000, 20)).toBeUndefined();
  });
});

describe('decideAll with the prod config', () => {
  const prod = loadConfig('prod');
  it('moves each setting in the right direction within the configured bounds', () => {
    const ds = decideAll(prod, obs({ publisherRate: 1_000_000, receiverRate: 5000, e2eP99Micros: 900 }), {
      batchMessages: { value: 64 }, maxQueuedMessages: { value: 50_000 }, scalingTarget: { value: 60_000 },
    }, 0);
    const by = Object.fromEntries(ds.map((d) => [d.setting, d]));
    expect(by.batchMessages).toMatchObject({ action: 'change', from: 64, to: 76 }); // wants 200, +20% rounded toward 64
    expect(by.maxQueuedMessages).toMatchObject({ action: 'change', from: 50_000, to: 40_000 }); // wants 5000, -20%
    // p99 900 µs over prod's 500 µs SLO: lower, but not below tuneBounds.min (50 000).
    expect(by.scalingTarget).toMatchObject({ action: 'change', from: 60_000, to: 50_000 });
    expect(by.scalingTarget!.reason).toContain('end-to-end p99 900 µs over the 500 µs SLO');
  });
});
