/**
 * JSON rendering of a decoded message for people (`dsm tail`, JSONL sinks). Prices and sizes
 * are exact decimal strings in the exchange's own format, never floats.
 */
import { formatScaled } from '../marketdata/decimal.js';
import type { PriceFormat } from '../marketdata/events.js';
import { Flags, type MessageType } from './layout.js';
import type { WireMessage } from './message.js';

export interface WireJson {
  type: MessageType;
  version: number;
  flags: string[];
  epoch: number;
  exchange: string;
  symbol: string;
  seq: number;
  exchSeq: number;
  exchTsUs: number;
  recvMonoNs: number;
  pubMonoNs: number;
  /** [price, size] decimal strings; size "0" in a delta means the level was deleted. */
  bids?: Array<[string, string]>;
  asks?: Array<[string, string]>;
  heartbeat?: { publisherId: string; symbols: number; published: number; info: string };
}

const FLAG_NAMES = Object.entries(Flags) as Array<[string, number]>;

export function flagNames(flags: number): string[] {
  const out: string[] = [];
  let known = 0;
  for (const [name, bit] of FLAG_NAMES) {
    known |= bit;
    if (flags & bit) out.push(name);
  }
  const unknown = flags & ~known;
  if (unknown) out.push(`0x${unknown.toString(16).padStart(4, '0')}`);
  return out;
}

/** `format` defaults to the decimals the message itself carries. */
export function toJson(m: WireMessage, format: PriceFormat = m.format): WireJson {
  const out: WireJson = {
    type: m.type,
    version: m.version,
    flags: flagNames(m.flags),
    epoch: m.epoch,
    exchange: m.exchange,
    symbol: m.symbol,
    seq: m.seq,
    exchSeq: m.exchSeq,
    exchTsUs: m.exchTsUs,
    recvMonoNs: m.recvMonoNs,
    pubMonoNs: m.pubMonoNs,
  };
  if (m.type === 'heartbeat') {
    out.heartbeat = { ...m.heartbeat };
    return out;
  }
  const level = (i: number): [string, string] => [
    formatScaled(m.prices[i]!, format.priceDecimals),
    formatScaled(m.sizes[i]!, format.sizeDecimals),
  ];
  out.bids = [];
  out.asks = [];
  for (let i = 0; i < m.bidCount; i++) out.bids.push(level(i));
  for (let i = m.bidCount; i < m.levelCount; i++) out.asks.push(level(i));
  return out;
}

/** One line of JSONL. */
export function toJsonLine(m: WireMessage, format?: PriceFormat): string {
  return JSON.stringify(toJson(m, format));
}
