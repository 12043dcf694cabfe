/**
 * The feedback loop around the pure decisions: read an observation, decide, apply the changes
 * (or only print them on a dry run), and remember when each setting last changed for its cooldown.
 * Every decision that changes something is logged with its reason.
 */
import { childLogger } from '../common/log.js';
import type { DsmConfig } from '../../config/schema.js';
import { decideAll, type Decision, type Setting, type SettingState, type TuneObservation } from './decide.js';

export interface ObservationSource {
  observe(): Promise<TuneObservation | undefined>;
}

/** Applies one setting's new value (ASG policy, SSM parameter, control subject). */
export interface SettingApplier {
  apply(setting: Setting, value: number, decision: Decision, all: Partial<Record<Setting, number>>): Promise<void>;
  /** The call `apply` would make, for dry runs. */
  describe?(setting: Setting, value: number, decision: Decision, all: Partial<Record<Setting, number>>): string;
}

export interface TunerOptions {
  source: ObservationSource;
  applier: SettingApplier;
  /** Current values of the settings this loop may move; absent settings are left alone. */
  initial: Partial<Record<Setting, number>>;
  dryRun: boolean;
  now?: () => number;
  /** Where decisions are reported besides the log (the CLI prints them); dry runs pass the call they would make. */
  report?: (d: Decision, applied: boolean, wouldCall?: string) => void;
}

export class Tuner {
  readonly state: Partial<Record<Setting, SettingState>> = {};
  readonly history: Array<Decision & { at: number; applied: boolean }> = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;
  private readonly log = childLogger('tune');

  constructor(private readonly cfg: DsmConfig, private readonly opts: TunerOptions) {
    for (const [k, v] of Object.entries(opts.initial) as Array<[Setting, number]>) this.state[k] = { value: v };
    this.now = opts.now ?? Date.now;
  }

  values(): Partial<Record<Setting, number>> {
    return Object.fromEntries(Object.entries(this.state).map(([k, s]) => [k, s.value]));
  }

  async step(): Promise<Decision[]> {
    const obs = await this.opts.source.observe();
    const now = this.now();
    if (!obs) {
      this.log.info('no observation yet; nothing to decide');
      return [];
    }
    const decisions = decideAll(this.cfg, obs, this.state, now);
    for (const d of decisions) {
      let applied = false;
      let wouldCall: string | undefined;
      const values = { ...this.values(), [d.setting]: d.to };
      if (d.action === 'change') {
        if (this.opts.dryRun) {
          wouldCall = this.opts.applier.describe?.(d.setting, d.to, d, values);
          this.log.info({ setting: d.setting, from: d.from, to: d.to, reason: d.reason, dryRun: true }, 'would change');
        } else {
          await this.opts.applier.apply(d.setting, d.to, d, values);
          this.state[d.setting] = { value: d.to, lastChangeAt: now };
          applied = true;
          this.log.info({ setting: d.setting, from: d.from, to: d.to, reason: d.reason }, 'changed');
        }
      } else {
        this.log.debug({ setting: d.setting, value: d.from, reason: d.reason }, 'hold');
      }
      this.history.push({ ...d, at: now, applied });
      this.opts.report?.(d, applied, wouldCall);
    }
    return decisions;
  }

  start(intervalMs: number): void {
    const run = () => this.step().catch((err: unknown) => this.log.error({ err: String(err) }, 'tune step failed'));
    this.timer = setInterval(run, intervalMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
