/** The loop's local ends: observations from the in-process agent, client settings on a control subject. */
import type { NatsConnection, Subscription } from 'nats';
import { childLogger } from '../common/log.js';
import { TuningAckSchema, tuningAckWildcard, type TuningAck } from './apply.js';
import type { DsmConfig } from '../../config/schema.js';
import type { MetricsAgent } from '../metrics/agent.js';
import type { Decision, Setting, TuneObservation } from './decide.js';
import type { ObservationSource, SettingApplier } from './loop.js';
import { clientTuningSubject, type ClientTuning } from './client-settings.js';

export class AgentObservationSource implements ObservationSource {
  constructor(private readonly agent: MetricsAgent) {}

  async observe(): Promise<TuneObservation | undefined> {
    const o = this.agent.latestObservation();
    if (!o) return undefined;
    return {
      at: o.at,
      publisherRate: o.maxPublisherRate,
      receiverRate: o.maxReceiverRate,
      ...(o.latency.end_to_end ? { e2eP99Micros: o.latency.end_to_end.p99 } : {}),
      slowConsumers: o.slowConsumers,
      subscriberSlow: o.subscriberSlow,
    };
  }
}

/** Publishes the full set of client settings on `_DSM.tune.client` whenever one changes. */
export class ControlSubjectApplier implements SettingApplier {
  constructor(private readonly nc: NatsConnection, private readonly cfg: DsmConfig) {}

  async apply(setting: Setting, _value: number, decision: Decision, all: Partial<Record<Setting, number>>): Promise<void> {
    if (setting === 'scalingTarget') return; // no ASG locally
    const msg: ClientTuning = {
      ...(all.batchMessages !== undefined ? { batchMessages: all.batchMessages } : {}),
      ...(all.maxQueuedMessages !== undefined ? { maxQueuedMessages: all.maxQueuedMessages } : {}),
      reason: `${setting}: ${decision.reason}`,
      at: Date.now(),
    };
    this.nc.publish(clientTuningSubject(this.cfg), JSON.stringify(msg));
    await this.nc.flush();
  }
}

/** What running services acknowledged applying (`_DSM.tune.ack.<service>`), newest per service. */
export class TuningAcks {
  readonly latest = new Map<string, TuningAck>();
  readonly all: TuningAck[] = [];
  refused = 0;
  private sub: Subscription | undefined;
  private readonly log = childLogger('tune');

  start(nc: NatsConnection, cfg: DsmConfig, onAck?: (a: TuningAck) => void): this {
    this.sub = nc.subscribe(tuningAckWildcard(cfg), {
      callback: (err, m) => {
        if (err) return;
        const parsed = TuningAckSchema.safeParse((() => { try { return JSON.parse(m.string()); } catch { return undefined; } })());
        if (!parsed.success) { this.refused++; this.log.warn('refused a malformed tuning acknowledgement'); return; }
        this.latest.set(parsed.data.service, parsed.data);
        this.all.push(parsed.data);
        if (this.all.length > 1000) this.all.splice(0, this.all.length - 1000);
        onAck?.(parsed.data);
      },
    });
    return this;
  }

  stop(): void {
    this.sub?.unsubscribe();
  }
}
