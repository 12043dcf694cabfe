/** The loop's local ends: observations from the in-process agent, client settings on a control subject. */
import type { NatsConnection } from 'nats';
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
