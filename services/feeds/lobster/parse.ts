/**
 * LOBSTER message and orderbook CSV lines -> typed records, and messages -> normalized events.
 * Pure functions over strings: malformed lines come back as DecodeProblems, never throws.
 *
 * Message row: `time, type, order id, size, price, direction` (time = seconds after midnight
 * with up to nanosecond decimals; price = dollars * 10000; direction 1 buy / -1 sell).
 * Orderbook row k (the book after message k): `askPrice1, askSize1, bidPrice1, bidSize1, ...`,
 * empty levels padded with 9999999999 / -9999999999 and size 0.
 */
import type { BookEvent, DecodeProblem, EventTags, PriceFormat, Scaled, Side } from '../../marketdata/events.js';

/** LOBSTER prices are dollars * 10000, sizes whole shares. */
export const LOBSTER_FORMAT: PriceFormat = { priceDecimals: 4, sizeDecimals: 0 };

export const LobsterType = {
  add: 1,
  cancelPartial: 2,
  delete: 3,
  executeVisible: 4,
  executeHidden: 5,
  cross: 6,
  halt: 7,
} as const;
export type LobsterTypeCode = (typeof LobsterType)[keyof typeof LobsterType];

export interface LobsterMessage {
  /** 1-based row in the message file. */
  row: number;
  /** Nanoseconds after midnight, exchange local time. */
  timeNs: number;
  type: LobsterTypeCode;
  orderId: number;
  size: Scaled;
  /** Scaled at 4 decimals; for halts (type 7) -1 halt, 0 quoting, 1 trading. */
  price: Scaled;
  side: Side;
}

export interface LobsterBookRow {
  row: number;
  /** Real levels only (padding removed), best first. */
  bids: Array<[Scaled, Scaled]>;
  asks: Array<[Scaled, Scaled]>;
  /** Levels per side the file carries (10 for a level-10 file). */
  levels: number;
}

const TIME = /^(\d+)(?:\.(\d{1,9}))?$/;
const INT = /^-?\d+$/;
const EMPTY_ASK = 9999999999;
const EMPTY_BID = -9999999999;

function problem(kind: DecodeProblem['kind'], detail: string, at: number): DecodeProblem {
  return { kind, detail, at };
}

export function isProblem<T extends object>(x: T | DecodeProblem): x is DecodeProblem {
  return 'kind' in x && 'detail' in x;
}

export function parseMessageLine(line: string, row: number): LobsterMessage | DecodeProblem {
  const f = line.trim().split(',');
  if (f.length !== 6) return problem(f.length < 6 ? 'truncated' : 'malformed', `message row has ${f.length} fields, expected 6`, row);
  const [time, type, id, size, price, dir] = f as [string, string, string, string, string, string];
  const t = TIME.exec(time);
  if (!t) return problem('malformed', `bad time "${time}"`, row);
  if (![type, id, size, price, dir].every((x) => INT.test(x))) return problem('malformed', `non-integer field in "${line.trim()}"`, row);
  const typeCode = Number(type);
  if (typeCode < 1 || typeCode > 7) return problem('unknown-type', `message type ${type}`, row);
  const sizeN = Number(size);
  if (sizeN < 0) return problem('negative-size', `size ${size}`, row);
  const priceN = Number(price);
  if (typeCode !== LobsterType.halt && priceN <= 0) return problem('malformed', `price ${price}`, row);
  if (dir !== '1' && dir !== '-1') return problem('malformed', `direction ${dir}`, row);
  const timeNs = Number(t[1]) * 1e9 + Number((t[2] ?? '').padEnd(9, '0'));
  const orderId = Number(id);
  if (!Number.isSafeInteger(timeNs) || !Number.isSafeInteger(orderId) || !Number.isSafeInteger(priceN) || !Number.isSafeInteger(sizeN)) {
    return problem('malformed', `value out of range in "${line.trim()}"`, row);
  }
  return { row, timeNs, type: typeCode as LobsterTypeCode, orderId, size: sizeN, price: priceN, side: dir === '1' ? 'bid' : 'ask' };
}

export function parseOrderbookLine(line: string, row: number): LobsterBookRow | DecodeProblem {
  const f = line.trim().split(',');
  if (f.length < 4 || f.length % 4 !== 0) return problem('truncated', `orderbook row has ${f.length} fields, expected a multiple of 4`, row);
  if (!f.every((x) => INT.test(x))) return problem('malformed', 'non-integer field in orderbook row', row);
  const n = f.map(Number);
  const levels = f.length / 4;
  const asks: Array<[Scaled, Scaled]> = [];
  const bids: Array<[Scaled, Scaled]> = [];
  for (let i = 0; i < levels; i++) {
    const [ap, as, bp, bs] = [n[4 * i]!, n[4 * i + 1]!, n[4 * i + 2]!, n[4 * i + 3]!];
    for (const [side, p, s, empty, out] of [['ask', ap, as, EMPTY_ASK, asks], ['bid', bp, bs, EMPTY_BID, bids]] as const) {
      if (p === empty && s === 0) continue;
      if (s <= 0 || p <= 0) return problem(s < 0 ? 'negative-size' : 'malformed', `${side} level ${i + 1}: price ${p} size ${s}`, row);
      // Padding is only ever at the end, and levels get strictly worse.
      const prev = out[out.length - 1];
      if (out.length !== i || (prev && (side === 'ask' ? p <= prev[0] : p >= prev[0]))) {
        return problem('malformed', `${side} level ${i + 1} out of order`, row);
      }
      out.push([p, s]);
    }
  }
  return { row, bids, asks, levels };
}

/**
 * Epoch microseconds of midnight in New York on `date` (YYYY-MM-DD): LOBSTER times count from
 * the exchange's local midnight.
 */
export function newYorkMidnightUs(date: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) throw new RangeError(`date must be YYYY-MM-DD, got "${date}"`);
  const utcMidnight = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  // The offset at 05:00 UTC is the New York offset in force at its midnight (DST moves at 02:00 local).
  const probe = utcMidnight + 5 * 3600_000;
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: 'America/New_York', hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
  }).formatToParts(new Date(probe));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value);
  const localAsUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  const offsetMs = localAsUtc - probe;
  return (utcMidnight - offsetMs) * 1000;
}

const HALT_STATUS: Record<number, string> = { [-1]: 'halted', 0: 'quoting', 1: 'trading' };

/**
 * The normalized event for a message, or undefined for messages that do not touch the visible
 * book (hidden executions, cross trades). `tags` supplies exchange/symbol/receive times;
 * exchSeq is the message row and exchTsUs comes from `midnightUs` + the message time.
 */
export function toBookEvent(msg: LobsterMessage, tags: Omit<EventTags, 'exchSeq' | 'exchTsUs'>, midnightUs = 0): BookEvent | undefined {
  const t: EventTags = { ...tags, exchSeq: msg.row, exchTsUs: midnightUs + Math.floor(msg.timeNs / 1000) };
  switch (msg.type) {
    case LobsterType.add:
      return { ...t, type: 'order-add', orderId: msg.orderId, side: msg.side, price: msg.price, size: msg.size };
    case LobsterType.cancelPartial:
      return { ...t, type: 'order-reduce', orderId: msg.orderId, size: msg.size, reason: 'cancel', side: msg.side, price: msg.price };
    case LobsterType.delete:
      return { ...t, type: 'order-delete', orderId: msg.orderId, side: msg.side, price: msg.price, size: msg.size };
    case LobsterType.executeVisible:
      return { ...t, type: 'order-reduce', orderId: msg.orderId, size: msg.size, reason: 'execute', execPrice: msg.price, side: msg.side, price: msg.price };
    case LobsterType.halt:
      return { ...t, type: 'status', status: HALT_STATUS[msg.price] ?? `halt-code-${msg.price}` };
    default:
      return undefined;
  }
}
