/**
 * The service end of the feedback loop: a running service (subscriber, ingest) hears what
 * `dsm tune` publishes on `_DSM.tune.client`, applies the settings it owns within the config's
 * bounds (`tune.<setting>.min/max`: a message outside them is clamped, never obeyed as given),
 * and acknowledges what it applied on `_DSM.tune.ack.<service>`, so the loop knows the change
 * took effect and where.
 */
import type { NatsConnection, Subscription } from 'nats';
import { z } from 'zod';
import type { DsmConfig } from '../../config/schema.js';
import { childLogger } from '../common/log.js';
import { subjectScheme, tuneSubject } from '../nats/subjects.js';
import { onClientTuning, type ClientTuning } from './client-settings.js';

export type ClientSetting = 'batchMessages' | 'maxQueuedMessages';

export interface Tunable {
  setting: ClientSetting;
  get(): number;
  set(value: number): void;
}

export const TuningAckSchema = z.object({
  service: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/),
  /** `at` of the tuning message this answers. */
  tuningAt: z.number(),
  applied: z.partialRecord(z.enum(['batchMessages', 'maxQueuedMessages']), z.number().int().positive()),
  /** Settings asked for outside the config's bounds, and what was applied instead. */
  clamped: z.array(z.string()).default([]),
  at: z.number(),
});
export type TuningAck = z.infer<typeof TuningAckSchema>;

export function tuningAckSubject(cfg: DsmConfig, service: string): string {
  return tuneSubject(subjectScheme(cfg), `ack.${service}`);
}

export function tuningAckWildcard(cfg: DsmConfig): string {
  return tuneSubject(subjectScheme(cfg), 'ack.*');
}

export class ServiceTuning {
  private sub: Subscription | undefined;
  private lastAt = -Infinity;
  private readonly log = childLogger('tune-apply');
  readonly stats = { received: 0, applied: 0, stale: 0, invalid: 0, clamped: 0 };

  constructor(private readonly nc: NatsConnection, private readonly cfg: DsmConfig, private readonly service: string, private readonly tunables: Tunable[]) {
    if (!/^[A-Za-z0-9_-]{1,128}$/.test(service)) throw new Error(`service must be a single subject token, got "${service}"`);
  }

  start(): this {
    this.sub = onClientTuning(this.nc, this.cfg, (t) => this.apply(t), (err) => {
      this.stats.invalid++;
      this.log.warn({ service: this.service, err }, 'refused an invalid tuning message');
    });
    return this;
  }

  /** Apply one tuning message (what the subscription does); returns the ack it published, if any. */
  apply(t: ClientTuning): TuningAck | undefined {
    this.stats.received++;
    // Messages can cross (two loops, a retry): never let an older decision undo a newer one.
    if (t.at < this.lastAt) {
      this.stats.stale++;
      this.log.warn({ service: this.service, at: t.at, last: this.lastAt }, 'ignored a tuning message older than the last applied');
      return undefined;
    }
    this.lastAt = t.at;
    const ack: TuningAck = { service: this.service, tuningAt: t.at, applied: {}, clamped: [], at: Date.now() };
    for (const tunable of this.tunables) {
      const asked = t[tunable.setting];
      if (asked === undefined) continue;
      const b = this.cfg.tune[tunable.setting];
      const value = Math.min(b.max, Math.max(b.min, asked));
      if (value !== asked) {
        this.stats.clamped++;
        ack.clamped.push(`${tunable.setting}: asked ${asked}, bounds [${b.min}, ${b.max}], applied ${value}`);
      }
      const before = tunable.get();
      try {
        tunable.set(value);
      } catch (err) {
        this.log.error({ service: this.service, setting: tunable.setting, value, err: String(err) }, 'could not apply a tuned setting');
        continue;
      }
      ack.applied[tunable.setting] = value;
      if (before !== value) {
        this.stats.applied++;
        this.log.info({ service: this.service, setting: tunable.setting, from: before, to: value, reason: t.reason }, 'applied tuned setting');
      }
    }
    if (Object.keys(ack.applied).length === 0) return undefined;
    try {
      this.nc.publish(tuningAckSubject(this.cfg, this.service), JSON.stringify(ack));
    } catch (err) {
      this.log.warn({ service: this.service, err: String(err) }, 'tuning acknowledgement not published');
    }
    return ack;
  }

  stop(): void {
    this.sub?.unsubscribe();
  }
}
