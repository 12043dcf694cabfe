/**
 * Binance spot frames -> typed messages, strings kept as Binance wrote them. Pure, never throws.
 * Handles combined-stream frames ({"stream","data"}) and raw single-stream payloads.
 * Scaling to integers happens in the sync (sync.ts), which knows each symbol's format.
 */
import type { DecodeProblem } from '../../marketdata/events.js';
import { clip, isProblem, isRecord, parseJson, readLevels, type StrLevel } from '../levels.js';

export interface BinanceDepthUpdate {
  kind: 'depth';
  symbol: string;
  /** First update id in the event (U). */
  firstId: number;
  /** Final update id in the event (u). */
  finalId: number;
  eventTimeMs: number;
  bids: StrLevel[];
  asks: StrLevel[];
}

export interface BinanceBookTicker {
  kind: 'bookTicker';
  symbol: string;
  updateId: number;
  bid: StrLevel;
  ask: StrLevel;
}

export interface BinanceDepthSnapshot {
  lastUpdateId: number;
  bids: StrLevel[];
  asks: StrLevel[];
}

export type BinanceFrame =
  | BinanceDepthUpdate
  | BinanceBookTicker
  /** Streams that carry no book data here (aggTrade, kline, subscription acks). */
  | { kind: 'other'; what: string }
  | { kind: 'problem'; problem: DecodeProblem };

const IGNORED_EVENTS = new Set(['aggTrade', 'trade', 'kline', '24hrTicker', '24hrMiniTicker']);

export function decodeBinanceFrame(text: string): BinanceFrame {
  const parsed = parseJson(text);
  if (!parsed.ok) return { kind: 'problem', problem: parsed.problem };
  const outer = parsed.value;
  if (!isRecord(outer)) return problem('malformed', 'frame is not a JSON object');
  const data = 'stream' in outer && 'data' in outer ? outer.data : outer;
  if (!isRecord(data)) return problem('malformed', 'stream data is not an object');
  if (data.e === 'depthUpdate') return depthUpdate(data);
  // bookTicker payloads carry no "e" field: recognise them by shape.
  if (data.e === undefined && 'u' in data && 'b' in data && 'a' in data && 'B' in data && 'A' in data) return bookTicker(data);
  if (typeof data.e === 'string' && IGNORED_EVENTS.has(data.e)) return { kind: 'other', what: data.e };
  if ('result' in data && 'id' in data) return { kind: 'other', what: 'response' };
  return problem('unknown-type', `unknown Binance message ${clip(JSON.stringify(data.e ?? Object.keys(data)))}`);
}

function depthUpdate(d: Record<string, unknown>): BinanceFrame {
  const { s, U, u, E } = d;
  if (typeof s !== 'string' || s === '') return problem('malformed', 'depthUpdate without symbol');
  if (!isUpdateId(U) || !isUpdateId(u) || U > u) return problem('malformed', `depthUpdate ${s}: bad update ids U=${String(U)} u=${String(u)}`);
  const bids = readLevels(d.b, `depthUpdate ${s} bids`);
  if (isProblem(bids)) return { kind: 'problem', problem: bids };
  const asks = readLevels(d.a, `depthUpdate ${s} asks`);
  if (isProblem(asks)) return { kind: 'problem', problem: asks };
  return { kind: 'depth', symbol: s, firstId: U, finalId: u, eventTimeMs: typeof E === 'number' ? E : 0, bids, asks };
}

function bookTicker(d: Record<string, unknown>): BinanceFrame {
  const { s, u } = d;
  if (typeof s !== 'string' || s === '' || !isUpdateId(u)) return problem('malformed', 'bookTicker without symbol or update id');
  const levels = readLevels([[d.b, d.B], [d.a, d.A]], `bookTicker ${s}`);
  if (isProblem(levels)) return { kind: 'problem', problem: levels };
  return { kind: 'bookTicker', symbol: s, updateId: u, bid: levels[0]!, ask: levels[1]! };
}

/** REST GET /api/v3/depth body. */
export function decodeBinanceSnapshot(body: string): BinanceDepthSnapshot | DecodeProblem {
  const parsed = parseJson(body);
  if (!parsed.ok) return parsed.problem;
  const d = parsed.value;
  if (!isRecord(d) || !isUpdateId(d.lastUpdateId)) return { kind: 'malformed', detail: 'depth snapshot without lastUpdateId' };
  const bids = readLevels(d.bids, 'depth snapshot bids');
  if (isProblem(bids)) return bids;
  const asks = readLevels(d.asks, 'depth snapshot asks');
  if (isProblem(asks)) return asks;
  return { lastUpdateId: d.lastUpdateId, bids, asks };
}

/** The symbol a REST depth request asked for (`...?symbol=NKNUSDT&limit=1000`). */
export function symbolFromDepthUrl(url: string): string | undefined {
  const m = /[?&]symbol=([A-Za-z0-9_.-]+)/.exec(url);
  return m ? m[1]!.toUpperCase() : undefined;
}

function isUpdateId(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function problem(kind: DecodeProblem['kind'], detail: string): BinanceFrame {
  return { kind: 'problem', problem: { kind, detail } };
}
