/**
 * Coinbase Advanced Trade market-data frames (wss://advanced-trade-ws.coinbase.com) -> typed
 * messages, strings kept as sent. Every message the venue sends on a connection carries
 * `sequence_num`, numbered per connection across all its channels:
 *   {"channel":"l2_data","client_id":"","timestamp":"...Z","sequence_num":N,
 *    "events":[{"type":"snapshot"|"update","product_id":"BTC-USD",
 *               "updates":[{"side":"bid"|"offer","event_time":"...","price_level":"21921.73","new_quantity":"0.06"}]}]}
 *   {"channel":"heartbeats",...,"sequence_num":N,"events":[{"current_time":"...","heartbeat_counter":3049}]}
 *   {"channel":"subscriptions",...,"sequence_num":N,"events":[{"subscriptions":{"level2":["BTC-USD"],"heartbeats":["heartbeats"]}}]}
 *   {"type":"error","message":"..."}                         (no sequence)
 * `new_quantity` is the new size at the price (not a delta); "0" removes the level.
 * Pure, never throws: what cannot be read is a `problem`, with the sequence number when that
 * much was readable (the connection-level sequence check still needs it).
 */
import type { DecodeProblem, Side } from '../../marketdata/events.js';
import { checkDecimal, clip, isRecord, parseJson } from '../levels.js';
import { isoToUs } from './decode.js';

/** One price level as Coinbase wrote it: side, price, new size. */
export interface AdvancedLevel {
  side: Side;
  price: string;
  size: string;
}

export interface AdvancedBookEvent {
  type: 'snapshot' | 'update';
  product: string;
  levels: AdvancedLevel[];
}

export type AdvancedFrame =
  | { kind: 'l2'; seq: number; timeUs: number; events: AdvancedBookEvent[] }
  | { kind: 'heartbeat'; seq: number; counter?: number }
  | { kind: 'subscriptions'; seq: number; subscriptions: Record<string, string[]> }
  /** ticker, market_trades, candles, status, ...: not used here, but they still take a sequence number. */
  | { kind: 'other'; seq: number; channel: string }
  | { kind: 'error'; message: string }
  /** `seq`/`channel` when the envelope was readable but its content was not. */
  | { kind: 'problem'; problem: DecodeProblem; seq?: number; channel?: string };

/** The book channel's name in messages (subscriptions use `level2`). */
export const L2_CHANNEL = 'l2_data';

export function decodeAdvancedFrame(text: string): AdvancedFrame {
  const parsed = parseJson(text);
  if (!parsed.ok) return { kind: 'problem', problem: parsed.problem };
  const m = parsed.value;
  if (!isRecord(m)) return problem('malformed', 'frame is not a JSON object');
  if (m.type === 'error') return { kind: 'error', message: clip(typeof m.message === 'string' ? m.message : JSON.stringify(m.message ?? ''), 200) };
  const seq = typeof m.sequence_num === 'number' && Number.isSafeInteger(m.sequence_num) && m.sequence_num >= 0 ? m.sequence_num : undefined;
  const channel = typeof m.channel === 'string' && m.channel !== '' ? m.channel : undefined;
  if (channel === undefined) return problem('malformed', 'message without a "channel"', seq);
  if (seq === undefined) return problem('malformed', `${clip(channel)} message without a valid "sequence_num"`, undefined, channel);
  if (!Array.isArray(m.events)) return problem('malformed', `${clip(channel)} message without an "events" array`, seq, channel);
  switch (channel) {
    case L2_CHANNEL:
      return l2(seq, m.timestamp, m.events as unknown[]);
    case 'heartbeats':
      return { kind: 'heartbeat', seq, counter: heartbeatCounter(m.events[0]) };
    case 'subscriptions':
      return { kind: 'subscriptions', seq, subscriptions: subscriptionsOf(m.events[0]) };
    default:
      return { kind: 'other', seq, channel };
  }
}

function l2(seq: number, timestamp: unknown, events: unknown[]): AdvancedFrame {
  const out: AdvancedBookEvent[] = [];
  for (const e of events) {
    if (!isRecord(e)) return problem('malformed', 'l2_data event is not an object', seq, L2_CHANNEL);
    const product = e.product_id;
    if (typeof product !== 'string' || product === '') return problem('malformed', 'l2_data event without product_id', seq, L2_CHANNEL);
    if (e.type !== 'snapshot' && e.type !== 'update') return problem('unknown-type', `${clip(product)}: l2_data event type "${clip(String(e.type))}"`, seq, L2_CHANNEL);
    if (!Array.isArray(e.updates)) return problem('malformed', `${clip(product)} ${e.type} without updates`, seq, L2_CHANNEL);
    const levels: AdvancedLevel[] = [];
    for (const u of e.updates as unknown[]) {
      if (!isRecord(u)) return problem('malformed', `${clip(product)} ${e.type}: level is not an object`, seq, L2_CHANNEL);
      const { side, price_level: price, new_quantity: size } = u;
      if (side !== 'bid' && side !== 'offer') return problem('malformed', `${clip(product)} ${e.type}: side "${clip(String(side))}"`, seq, L2_CHANNEL);
      if (typeof price !== 'string' || typeof size !== 'string') return problem('malformed', `${clip(product)} ${e.type}: price_level and new_quantity must be strings`, seq, L2_CHANNEL);
      const bad = checkDecimal(price, 'price') ?? checkDecimal(size, 'size');
      if (bad) return { kind: 'problem', problem: { ...bad, detail: `${clip(product)} ${e.type}: ${bad.detail}` }, seq, channel: L2_CHANNEL };
      levels.push({ side: side === 'bid' ? 'bid' : 'ask', price, size });
    }
    out.push({ type: e.type, product, levels });
  }
  return { kind: 'l2', seq, timeUs: isoToUs(timestamp), events: out };
}

/** Documented as a number, seen as a string in the wild: either, when it is a whole number. */
function heartbeatCounter(e: unknown): number | undefined {
  const c = isRecord(e) ? e.heartbeat_counter : undefined;
  const n = typeof c === 'string' && /^\d{1,15}$/.test(c) ? Number(c) : c;
  return typeof n === 'number' && Number.isSafeInteger(n) ? n : undefined;
}

function subscriptionsOf(e: unknown): Record<string, string[]> {
  const s = isRecord(e) ? e.subscriptions : undefined;
  if (!isRecord(s)) return {};
  // fromEntries defines own properties: a "__proto__" key from the wire stays a plain key.
  return Object.fromEntries(Object.entries(s).flatMap(([ch, v]) => (Array.isArray(v) ? [[ch, v.filter((x): x is string => typeof x === 'string')]] : [])));
}

function problem(kind: DecodeProblem['kind'], detail: string, seq?: number, channel?: string): AdvancedFrame {
  return { kind: 'problem', problem: { kind, detail }, ...(seq !== undefined ? { seq } : {}), ...(channel !== undefined ? { channel } : {}) };
}
