/**
 * Binance spot endpoints for recording: one combined stream per connection carrying each
 * symbol's 100 ms diff depth and bookTicker (the ground truth the replay checks against), plus
 * one REST depth snapshot per symbol fetched after the stream is open, as Binance's
 * local-book procedure requires.
 */
import type { PlanOptions, RecordingPlan } from '../capture/plan.js';

export const BINANCE_WS = 'wss://stream.binance.com:9443';
export const BINANCE_REST = 'https://api.binance.com';

export function binanceStreamUrl(symbols: string[], base = BINANCE_WS): string {
  const streams = symbols.flatMap((s) => [`${s.toLowerCase()}@depth@100ms`, `${s.toLowerCase()}@bookTicker`]);
  return `${base.replace(/\/+$/, '')}/stream?streams=${streams.join('/')}`;
}

export function binanceDepthUrl(symbol: string, limit = 1000, base = BINANCE_REST): string {
  return `${base.replace(/\/+$/, '')}/api/v3/depth?symbol=${encodeURIComponent(symbol.toUpperCase())}&limit=${limit}`;
}

export function binanceRecording(symbols: string[], opts: PlanOptions = {}): RecordingPlan {
  const limit = Math.min(opts.depth ?? 1000, 5000);
  return {
    venue: 'binance',
    url: opts.wsUrl ?? binanceStreamUrl(symbols),
    subscribe: [],
    rest: symbols.map((s) => binanceDepthUrl(s, limit, opts.restBase)),
  };
}
