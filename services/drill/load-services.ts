/**
 * LocalServices backed by the drill's own load, for what a load can do by itself: scale its
 * subscribers out and in, and cut / restore its feed. Ingest failover needs the hot-standby pair
 * (leader lease), which a load does not have; those calls say so.
 */
import { PipelineLoad } from './pipeline-load.js';
import { NotAvailableError, unavailableLocalServices, type DrillLoad, type LocalServices } from './types.js';

export function loadBackedServices(load: DrillLoad | undefined): LocalServices {
  const need = <K extends 'pauseFeed' | 'resumeFeed' | 'addSubscriber' | 'removeSubscriber'>(k: K, what: string): NonNullable<DrillLoad[K]> => {
    const f = load?.[k];
    if (!f) throw new NotAvailableError(`${what} (the drill load "${load?.description ?? 'none'}" cannot do it)`);
    return f.bind(load) as NonNullable<DrillLoad[K]>;
  };
  return {
    ...unavailableLocalServices,
    startSubscriber: async () => need('addSubscriber', 'start-subscriber')(),
    stopSubscriber: async () => need('removeSubscriber', 'stop-subscriber')(),
    subscriberCount: async () => load?.snapshotCounters().subscribers.length ?? 0,
    pauseFeed: async () => need('pauseFeed', 'block-feed')(),
    resumeFeed: async () => need('resumeFeed', 'unblock-feed')(),
    ...(load instanceof PipelineLoad && load.hasPair ? pairServices(load) : {}),
  };
}

/** The hot-standby ingest pair a `pipeline-ha` load runs: kill the lease holder, restart, look up. */
function pairServices(load: PipelineLoad): Pick<LocalServices, 'killIngestLeader' | 'ensureIngestRunning' | 'ingestLeader'> {
  // The pair exists once the load has started: look it up at call time.
  const pair = () => {
    if (!load.pair) throw new NotAvailableError('the ingest pair (the load has not started)');
    return load.pair;
  };
  return {
    killIngestLeader: async () => pair().killLeader(),
    ensureIngestRunning: () => pair().ensureRunning(),
    ingestLeader: async () => pair().leader(),
  };
}
