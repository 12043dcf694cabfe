/**
 * LocalServices backed by the drill's own load, for what a load can do by itself: scale its
 * subscribers out and in, and cut / restore its feed. Ingest failover needs the hot-standby pair
 * (leader lease), which a load does not have; those calls say so.
 */
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
  };
}
