/**
 * The feedback loop's decisions, pure: from one observation and the current settings, what each
 * setting should become and why. Guard rails live here so they are tested once: a setting moves
 * at most `maxStepPercent` of its value per step, never leaves its bounds, waits out its cooldown
 * after a change, and ignores differences inside a dead band (no flapping on noise).
 */
import type { DsmConfig } from '../../config/schema.js';

export type Setting = 'scalingTarget' | 'batchMessages' | 'maxQueuedMessages';

/** What the loop sees, whether from the local agent or from CloudWatch. */
export interface TuneObservation {
  at: number;
  /** Busiest publisher's messages per second. */
  publisherRate: number;
  /** Messages per second one subscriber receives (busiest connection locally, per instance on AWS). */
  receiverRate: number;
  /** End-to-end p99 (µs), when services reported it. */
  e2eP99Micros?: number;
  slowConsumers: number;
  subscriberSlow: number;
}

export interface Bounds {
  min: number;
  max: number;
}

export interface Guard {
  maxStepPercent: number;
  cooldownSeconds: number;
  /** Relative difference (percent) below which the loop leaves a setting alone. */
  deadbandPercent: number;
}

export interface SettingState {
  value: number;
  /** When the loop last changed it (ms since epoch). */
  lastChangeAt?: number;
}

export interface Desired {
  value: number;
  reason: string;
}

export interface Decision {
  setting: Setting;
  action: 'change' | 'hold';
  from: number;
  to: number;
  reason: string;
}

const clamp = (v: number, b: Bounds) => Math.min(b.max, Math.max(b.min, v));

/** One bounded step from `current` toward `desired`; integers move by at least 1 when they move at all. */
export function stepToward(current: number, desired: number, bounds: Bounds, maxStepPercent: number, integer: boolean): number {
  const target = clamp(desired, bounds);
  const maxStep = Math.max(integer ? 1 : 0, (Math.abs(current) * maxStepPercent) / 100);
  let next = current + Math.sign(target - current) * Math.min(Math.abs(target - current), maxStep);
  // Integers round toward the current value (a step never exceeds maxStepPercent), but move by at least 1.
  if (integer) next = target > current ? Math.max(current + 1, Math.floor(next + 1e-9)) : Math.min(current - 1, Math.ceil(next - 1e-9));
  // Rounding must never overshoot the target or leave the bounds.
  next = target > current ? Math.min(next, target) : Math.max(next, target);
  return clamp(next, bounds);
}

export function decide(setting: Setting, state: SettingState, desired: Desired | undefined, bounds: Bounds, guard: Guard, now: number, integer = true): Decision {
  const hold = (reason: string): Decision => ({ setting, action: 'hold', from: state.value, to: state.value, reason });
  if (!desired) return hold('no measurement to act on');
  if (state.lastChangeAt !== undefined) {
    const left = guard.cooldownSeconds * 1000 - (now - state.lastChangeAt);
    if (left > 0) return hold(`cooldown: ${Math.ceil(left / 1000)} s left since the last change`);
  }
  const target = clamp(integer ? Math.round(desired.value) : desired.value, bounds);
  const bounded = target !== (integer ? Math.round(desired.value) : desired.value) ? ` (clamped to [${bounds.min}, ${bounds.max}])` : '';
  const diffPercent = state.value === 0 ? (target === 0 ? 0 : 100) : (Math.abs(target - state.value) / Math.abs(state.value)) * 100;
  if (target === state.value || diffPercent < guard.deadbandPercent) return hold(`${desired.reason}; wants ${fmt(target)}${bounded}, within ${guard.deadbandPercent}% of ${fmt(state.value)}`);
  const to = stepToward(state.value, target, bounds, guard.maxStepPercent, integer);
  if (to === state.value) return hold(`${desired.reason}; already at the bound ${fmt(state.value)}`);
  const limited = to !== target ? `, step limited to ${guard.maxStepPercent}%` : '';
  return { setting, action: 'change', from: state.value, to, reason: `${desired.reason}; wants ${fmt(target)}${bounded}${limited}` };
}

function fmt(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}

// ---- what each setting should be, from the observation ----

/**
 * A publisher flushes after `batchMessages` messages or `batchMicros`, whichever first. Sizing the
 * batch to what arrives in one window makes both triggers agree: under light load messages go out
 * alone (lowest latency), under heavy load they share a flush (fewer syscalls, higher throughput).
 */
export function desiredBatchMessages(obs: TuneObservation, batchMicros: number): Desired | undefined {
  // No traffic says nothing about the right batch; keep what was last sized under load.
  if (obs.publisherRate <= 0) return undefined;
  const perWindow = (obs.publisherRate * batchMicros) / 1e6;
  return { value: Math.max(1, perWindow), reason: `busiest publisher at ${Math.round(obs.publisherRate)} msg/s fills ${perWindow.toFixed(1)} msgs per ${batchMicros} µs flush window` };
}

/**
 * A subscriber's queue should absorb `burstSeconds` of its traffic; overflows (the subscriber fell
 * back to a snapshot) or server-side slow consumers mean it is too small now, whatever the rate says.
 */
export function desiredMaxQueued(obs: TuneObservation, current: number, burstSeconds: number, maxStepPercent: number): Desired | undefined {
  const overflows = obs.subscriberSlow + obs.slowConsumers;
  if (overflows > 0) return { value: current * (1 + maxStepPercent / 100), reason: `${overflows} subscriber overflow(s)/slow consumer(s) in the interval` };
  if (obs.receiverRate <= 0) return undefined;
  return { value: obs.receiverRate * burstSeconds, reason: `busiest subscriber at ${Math.round(obs.receiverRate)} msg/s needs ${burstSeconds} s of buffer` };
}

/**
 * The subscriber ASG tracks delivered msg/s per instance. If end-to-end p99 is over the SLO the
 * target is too high (instances are overloaded before scaling out): lower it. If p99 sits far below
 * the SLO with no slow consumers, instances have headroom: raise it and run fewer of them.
 */
export function desiredScalingTarget(obs: TuneObservation, current: number, sloMicros: number, maxStepPercent: number): Desired | undefined {
  const p99 = obs.e2eP99Micros;
  if (p99 === undefined) return undefined;
  const step = maxStepPercent / 100;
  if (p99 > sloMicros) return { value: current * (1 - step), reason: `end-to-end p99 ${Math.round(p99)} µs over the ${sloMicros} µs SLO` };
  if (p99 < sloMicros / 2 && obs.slowConsumers === 0 && obs.subscriberSlow === 0) return { value: current * (1 + step), reason: `end-to-end p99 ${Math.round(p99)} µs under half the ${sloMicros} µs SLO` };
  return { value: current, reason: `end-to-end p99 ${Math.round(p99)} µs within the SLO band` };
}

export interface TuneBounds {
  guard: Guard;
  bounds: Record<Setting, Bounds>;
}

/** Bounds and guard rails from the config: `tune` for client settings, `autoscaling.tuneBounds` for the ASG. */
export function tuneBounds(cfg: DsmConfig, deadbandPercent = 10): TuneBounds {
  const asg = cfg.autoscaling?.tuneBounds;
  return {
    guard: { maxStepPercent: cfg.tune.maxStepPercent, cooldownSeconds: cfg.tune.cooldownSeconds, deadbandPercent },
    bounds: {
      scalingTarget: { min: asg?.min ?? 1, max: asg?.max ?? Number.MAX_SAFE_INTEGER },
      batchMessages: cfg.tune.batchMessages,
      maxQueuedMessages: cfg.tune.maxQueuedMessages,
    },
  };
}

/** Every setting's decision for one observation. The ASG target uses its own step and cooldown. */
export function decideAll(cfg: DsmConfig, obs: TuneObservation, state: Partial<Record<Setting, SettingState>>, now: number): Decision[] {
  const { guard, bounds } = tuneBounds(cfg);
  const out: Decision[] = [];
  if (state.batchMessages) out.push(decide('batchMessages', state.batchMessages, desiredBatchMessages(obs, cfg.ingest.batchMicros), bounds.batchMessages, guard, now));
  if (state.maxQueuedMessages) out.push(decide('maxQueuedMessages', state.maxQueuedMessages, desiredMaxQueued(obs, state.maxQueuedMessages.value, cfg.tune.burstSeconds, guard.maxStepPercent), bounds.maxQueuedMessages, guard, now));
  if (state.scalingTarget && cfg.autoscaling) {
    const tb = cfg.autoscaling.tuneBounds;
    const asgGuard = { ...guard, maxStepPercent: tb.maxStepPercent, cooldownSeconds: tb.cooldownSeconds };
    out.push(decide('scalingTarget', state.scalingTarget, desiredScalingTarget(obs, state.scalingTarget.value, cfg.thresholds.e2eP99Micros, tb.maxStepPercent), bounds.scalingTarget, asgGuard, now, false));
  }
  return out;
}
