/**
 * Coinbase Exchange endpoint and subscriptions for recording. The unauthenticated feed serves
 * `level2_batch` (same snapshot/l2update messages as `level2`, batched every 50 ms); `ticker`
 * is recorded beside it for cross-checks.
 */
import type { PlanOptions, RecordingPlan } from '../capture/plan.js';

export const COINBASE_WS = 'wss://ws-feed.exchange.coinbase.com';

export function coinbaseSubscribe(products: string[], channels = ['level2_batch', 'ticker']): string {
  return JSON.stringify({ type: 'subscribe', product_ids: products, channels });
}

export function coinbaseUnsubscribe(products: string[], channels = ['level2_batch']): string {
  return JSON.stringify({ type: 'unsubscribe', product_ids: products, channels });
}

export function coinbaseRecording(products: string[], opts: PlanOptions = {}): RecordingPlan {
  return { venue: 'coinbase', url: opts.wsUrl ?? COINBASE_WS, subscribe: [coinbaseSubscribe(products)], rest: [] };
}
