/**
 * Kraken WS v1 frames -> typed messages. Book frames are arrays:
 *   [channelID, {"as":[...],"bs":[...]}, "book-1000", "XBT/USD"]                snapshot
 *   [channelID, {"a":[...]}, {"b":[...],"c":"123"}, "book-1000", "XBT/USD"]     update (one or two objects)
 * Each level is [price, volume, timestamp] plus an optional "r" (republish) flag. Strings are kept
 * exactly as Kraken wrote them: the checksum is computed over them. Pure, never throws.
 */
import type { DecodeProblem } from '../../marketdata/events.js';
import { epochToUs } from '../capture/line.js';
import { clip, isProblem, isRecord, parseJson, readLevels, type StrLevel } from '../levels.js';

export interface KrakenBookSnapshot {
  kind: 'snapshot';
  pair: string;
  /** Subscribed depth from the channel name ("book-1000" -> 1000). */
  depth: number;
  asks: StrLevel[];
  bids: StrLevel[];
  /** Latest level timestamp, epoch microseconds (0 if none). */
  tsUs: number;
}

export interface KrakenBookUpdate {
  kind: 'update';
  pair: string;
  depth: number;
  asks: StrLevel[];
  bids: StrLevel[];
  /** CRC32 of the top 10 levels after this update, as Kraken sent it (decimal string). */
  checksum?: string;
  /** Levels flagged "r": re-sent because they moved back into the subscribed depth. */
  republished: number;
  tsUs: number;
}

export type KrakenFrame =
  | KrakenBookSnapshot
  | KrakenBookUpdate
  /** heartbeat, systemStatus, subscriptionStatus, other channels. */
  | { kind: 'other'; what: string }
  | { kind: 'problem'; problem: DecodeProblem };

export function decodeKrakenFrame(text: string): KrakenFrame {
  const parsed = parseJson(text);
  if (!parsed.ok) return { kind: 'problem', problem: parsed.problem };
  const v = parsed.value;
  if (isRecord(v)) {
    if (typeof v.event === 'string') return { kind: 'other', what: v.event };
    return problem('unknown-type', `object frame without "event": ${clip(text)}`);
  }
  if (!Array.isArray(v) || v.length < 4) return problem('malformed', 'book frame must be [channelID, data..., channelName, pair]');
  const channelName = v[v.length - 2];
  const pair = v[v.length - 1];
  if (typeof channelName !== 'string' || typeof pair !== 'string' || typeof v[0] !== 'number') {
    return problem('malformed', 'book frame without channel id, channel name or pair');
  }
  if (!channelName.startsWith('book')) return { kind: 'other', what: channelName };
  const depth = Number(/^book-(\d+)$/.exec(channelName)?.[1] ?? 10);
  const payloads = v.slice(1, -2);
  if (payloads.length === 0 || !payloads.every(isRecord)) return problem('malformed', `${pair}: book payloads must be objects`);
  if (payloads.some((p) => 'as' in p || 'bs' in p)) return snapshot(pair, depth, payloads);
  return update(pair, depth, payloads);
}

function snapshot(pair: string, depth: number, payloads: Array<Record<string, unknown>>): KrakenFrame {
  const asks = entries(payloads, 'as', pair);
  if (isProblem(asks)) return { kind: 'problem', problem: asks };
  const bids = entries(payloads, 'bs', pair);
  if (isProblem(bids)) return { kind: 'problem', problem: bids };
  return { kind: 'snapshot', pair, depth, asks: asks.levels, bids: bids.levels, tsUs: Math.max(asks.tsUs, bids.tsUs) };
}

function update(pair: string, depth: number, payloads: Array<Record<string, unknown>>): KrakenFrame {
  const asks = entries(payloads, 'a', pair);
  if (isProblem(asks)) return { kind: 'problem', problem: asks };
  const bids = entries(payloads, 'b', pair);
  if (isProblem(bids)) return { kind: 'problem', problem: bids };
  if (asks.levels.length === 0 && bids.levels.length === 0) return problem('unknown-type', `${pair}: book frame with neither levels nor snapshot`);
  let checksum: string | undefined;
  for (const p of payloads) {
    if (p.c === undefined) continue;
    if (typeof p.c !== 'string' || !/^\d{1,10}$/.test(p.c)) return problem('malformed', `${pair}: checksum "${clip(String(p.c))}" is not a decimal CRC32`);
    checksum = p.c;
  }
  return {
    kind: 'update',
    pair,
    depth,
    asks: asks.levels,
    bids: bids.levels,
    checksum,
    republished: asks.republished + bids.republished,
    tsUs: Math.max(asks.tsUs, bids.tsUs),
  };
}

/** Collect the levels under `key` across the frame's payload objects, in order. */
function entries(payloads: Array<Record<string, unknown>>, key: string, pair: string): { levels: StrLevel[]; republished: number; tsUs: number } | DecodeProblem {
  const levels: StrLevel[] = [];
  let republished = 0;
  let tsUs = 0;
  for (const p of payloads) {
    const raw = p[key];
    if (raw === undefined) continue;
    const read = readLevels(raw, `${pair} ${key}`);
    if (isProblem(read)) return read;
    levels.push(...read);
    for (const e of raw as unknown[][]) {
      if (typeof e[2] === 'string' && /^\d+(\.\d+)?$/.test(e[2])) tsUs = Math.max(tsUs, epochToUs(e[2]));
      if (e[3] === 'r') republished++;
    }
  }
  return { levels, republished, tsUs };
}

function problem(kind: DecodeProblem['kind'], detail: string): KrakenFrame {
  return { kind: 'problem', problem: { kind, detail } };
}
