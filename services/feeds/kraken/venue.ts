/** Kraken WS v1 endpoint and book subscription for recording. */
import type { PlanOptions, RecordingPlan } from '../capture/plan.js';

export const KRAKEN_WS = 'wss://ws.kraken.com';
/** Depths Kraken's v1 book channel accepts. */
export const KRAKEN_DEPTHS = [10, 25, 100, 500, 1000] as const;

export function krakenSubscribe(pairs: string[], depth = 1000): string {
  return JSON.stringify({ event: 'subscribe', pair: pairs, subscription: { name: 'book', depth } });
}

export function krakenUnsubscribe(pairs: string[], depth = 1000): string {
  return JSON.stringify({ event: 'unsubscribe', pair: pairs, subscription: { name: 'book', depth } });
}

export function krakenRecording(pairs: string[], opts: PlanOptions = {}): RecordingPlan {
  const depth = opts.depth ?? 1000;
  if (!(KRAKEN_DEPTHS as readonly number[]).includes(depth)) throw new RangeError(`Kraken book depth must be one of ${KRAKEN_DEPTHS.join(', ')}, got ${depth}`);
  return { venue: 'kraken', url: opts.wsUrl ?? KRAKEN_WS, subscribe: [krakenSubscribe(pairs, depth)], rest: [] };
}
