/**
 * Coinbase (legacy Pro/Exchange feed) frames -> typed messages, strings kept as sent:
 *   {"type":"snapshot","product_id","bids":[[price,size]],"asks":[...]}
 *   {"type":"l2update","product_id","changes":[["buy"|"sell",price,size]],"time"}
 *   {"type":"ticker","product_id","sequence","best_bid","best_ask","time",...}
 * Pure, never throws.
 */
import type { DecodeProblem, Side } from '../../marketdata/events.js';
import { checkDecimal, clip, isProblem, isRecord, parseJson, readLevels, type StrLevel } from '../levels.js';

export interface CoinbaseSnapshot {
  kind: 'snapshot';
  product: string;
  bids: StrLevel[];
  asks: StrLevel[];
}

export interface CoinbaseChange {
  side: Side;
  price: string;
  size: string;
}

export interface CoinbaseL2Update {
  kind: 'l2update';
  product: string;
  changes: CoinbaseChange[];
  /** Exchange time, epoch microseconds (0 if absent). */
  timeUs: number;
}

export interface CoinbaseTicker {
  kind: 'ticker';
  product: string;
  sequence: number;
  bestBid?: string;
  bestAsk?: string;
  timeUs: number;
}

export type CoinbaseFrame =
  | CoinbaseSnapshot
  | CoinbaseL2Update
  | CoinbaseTicker
  /** match, last_match, subscriptions, heartbeat, ... */
  | { kind: 'other'; what: string }
  | { kind: 'problem'; problem: DecodeProblem };

const OTHER_TYPES = new Set(['match', 'last_match', 'subscriptions', 'heartbeat', 'received', 'open', 'done', 'change', 'activate', 'status', 'error']);

export function decodeCoinbaseFrame(text: string): CoinbaseFrame {
  const parsed = parseJson(text);
  if (!parsed.ok) return { kind: 'problem', problem: parsed.problem };
  const m = parsed.value;
  if (!isRecord(m) || typeof m.type !== 'string') return problem('malformed', 'frame is not an object with a "type"');
  if (OTHER_TYPES.has(m.type)) return { kind: 'other', what: m.type };
  const product = m.product_id;
  if (m.type !== 'snapshot' && m.type !== 'l2update' && m.type !== 'ticker') return problem('unknown-type', `unknown Coinbase message type "${clip(m.type)}"`);
  if (typeof product !== 'string' || product === '') return problem('malformed', `${m.type} without product_id`);
  switch (m.type) {
    case 'snapshot': {
      const bids = readLevels(m.bids, `${product} snapshot bids`);
      if (isProblem(bids)) return { kind: 'problem', problem: bids };
      const asks = readLevels(m.asks, `${product} snapshot asks`);
      if (isProblem(asks)) return { kind: 'problem', problem: asks };
      return { kind: 'snapshot', product, bids, asks };
    }
    case 'l2update':
      return l2update(product, m);
    default:
      return ticker(product, m);
  }
}

function l2update(product: string, m: Record<string, unknown>): CoinbaseFrame {
  if (!Array.isArray(m.changes)) return problem('malformed', `${product} l2update without changes`);
  const changes: CoinbaseChange[] = [];
  for (const c of m.changes as unknown[]) {
    if (!Array.isArray(c) || c.length < 3) return problem('malformed', `${product} change is not [side, price, size]`);
    const [side, price, size] = c as unknown[];
    if (side !== 'buy' && side !== 'sell') return problem('malformed', `${product} change side "${clip(String(side))}"`);
    if (typeof price !== 'string' || typeof size !== 'string') return problem('malformed', `${product} change price and size must be strings`);
    const bad = checkDecimal(price, 'price') ?? checkDecimal(size, 'size');
    if (bad) return { kind: 'problem', problem: { ...bad, detail: `${product} l2update: ${bad.detail}` } };
    changes.push({ side: side === 'buy' ? 'bid' : 'ask', price, size });
  }
  return { kind: 'l2update', product, changes, timeUs: isoToUs(m.time) };
}

function ticker(product: string, m: Record<string, unknown>): CoinbaseFrame {
  if (typeof m.sequence !== 'number' || !Number.isSafeInteger(m.sequence)) return problem('malformed', `${product} ticker without sequence`);
  const bestBid = typeof m.best_bid === 'string' && !checkDecimal(m.best_bid, 'price') ? m.best_bid : undefined;
  const bestAsk = typeof m.best_ask === 'string' && !checkDecimal(m.best_ask, 'price') ? m.best_ask : undefined;
  return { kind: 'ticker', product, sequence: m.sequence, bestBid, bestAsk, timeUs: isoToUs(m.time) };
}

/** "2021-04-17T16:43:37.075687Z" -> epoch microseconds, keeping the microsecond digits. */
export function isoToUs(v: unknown): number {
  if (typeof v !== 'string') return 0;
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(v);
  if (!m) return 0;
  const ms = Date.parse(`${m[1]}Z`);
  if (Number.isNaN(ms)) return 0;
  return ms * 1000 + Number((m[2] ?? '').slice(0, 6).padEnd(6, '0'));
}

function problem(kind: DecodeProblem['kind'], detail: string): CoinbaseFrame {
  return { kind: 'problem', problem: { kind, detail } };
}
