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

/** `kind` coinbase-advanced-ws records the sequenced Advanced Trade feed (level2 and heartbeats); otherwise the legacy level2_batch + ticker. */
export function coinbaseRecording(products: string[], opts: PlanOptions = {}): RecordingPlan {
  if (opts.kind === 'coinbase-advanced-ws') {
    return { venue: 'coinbase', url: opts.wsUrl ?? COINBASE_ADVANCED_WS, subscribe: [advancedSubscribe('level2', products), advancedSubscribe('heartbeats')], rest: [] };
  }
  return { venue: 'coinbase', url: opts.wsUrl ?? COINBASE_WS, subscribe: [coinbaseSubscribe(products)], rest: [] };
}

/**
 * Coinbase Advanced Trade market data: one channel per subscribe message; a subscribe brings a
 * `subscriptions` answer and, for `level2`, a snapshot per product. Every message on a connection
 * carries `sequence_num` (advanced-sequence.ts). Market data needs no authentication.
 */
export const COINBASE_ADVANCED_WS = 'wss://advanced-trade-ws.coinbase.com';

/** `products` omitted for channels that take none (heartbeats). */
export function advancedSubscribe(channel: string, products?: string[]): string {
  return JSON.stringify(products ? { type: 'subscribe', product_ids: products, channel } : { type: 'subscribe', channel });
}

export function advancedUnsubscribe(channel: string, products?: string[]): string {
  return JSON.stringify(products ? { type: 'unsubscribe', product_ids: products, channel } : { type: 'unsubscribe', channel });
}
