/**
 * Client settings the feedback loop tunes, as they travel to running services: JSON on
 * `<controlPrefix>.tune.client` locally (services subscribe with `onClientTuning`), SSM parameters
 * `/dsm/<env>/tune/client/<setting>` on AWS.
 */
import type { NatsConnection, Subscription } from 'nats';
import { z } from 'zod';
import type { DsmConfig } from '../../config/schema.js';
import { subjectScheme, tuneSubject } from '../nats/subjects.js';

export const ClientTuningSchema = z.object({
  batchMessages: z.number().int().positive().optional(),
  maxQueuedMessages: z.number().int().positive().optional(),
  reason: z.string(),
  at: z.number(),
});
export type ClientTuning = z.infer<typeof ClientTuningSchema>;

export function clientTuningSubject(cfg: DsmConfig): string {
  return tuneSubject(subjectScheme(cfg), 'client');
}

/** For services: call `apply` with every valid tuning message; malformed ones are reported, not applied. */
export function onClientTuning(nc: NatsConnection, cfg: DsmConfig, apply: (t: ClientTuning) => void, onInvalid?: (err: string) => void): Subscription {
  return nc.subscribe(clientTuningSubject(cfg), {
    callback: (err, msg) => {
      if (err) return;
      const parsed = ClientTuningSchema.safeParse((() => { try { return JSON.parse(msg.string()); } catch { return undefined; } })());
      if (parsed.success) apply(parsed.data);
      else onInvalid?.(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    },
  });
}
