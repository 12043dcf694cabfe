/**
 * What the metrics agent accepts as a service summary. Summaries feed CloudWatch alarms, the
 * subscriber scaling target and `dsm tune`, so a summary is judged before it is believed:
 * - the subject must be `_DSM.metrics.<role>.<identity>.<service>` of a configured identity with
 *   that role (nats-server lets an identity publish only under its own name, so the subject says
 *   who sent it), and the summary must name the same service;
 * - every number must be finite, non-negative and within what the platform could physically
 *   produce (latency at most the 60 s the recorders track, rates far above any real venue but
 *   far below what a poisoner would need to move a sum), percentiles in order;
 * - exchanges must be configured ones, and live-feed figures (symbols stale, time stale) within
 *   what the exchange's configured symbols allow.
 * Anything else is rejected whole and counted against the identity that sent it.
 */
import type { DsmConfig } from '../../config/schema.js';
import { parseMetricsSubject, subjectScheme } from '../nats/subjects.js';
import { ServiceSummarySchema, type ServiceSummary } from './latency.js';

/** The recorders clamp at 60 s (latency.ts); a summary claiming more was not made by one. */
export const MAX_LATENCY_MICROS = 60_000_000;
/** Per-exchange event rate one service can report (msg/s): ~100x the busiest real venue feed. */
export const MAX_RATE_PER_SECOND = 10_000_000;
export const MIN_INTERVAL_MS = 1;
export const MAX_INTERVAL_MS = 3_600_000;
const MAX_SAMPLES = 1e12;

export type SummaryVerdict = { ok: true; summary: ServiceSummary; identity?: string } | { ok: false; identity: string; reason: string };

function hopProblem(hop: string, h: { p50: number; p99: number; p999: number; max: number; count: number }): string | undefined {
  for (const k of ['p50', 'p99', 'p999', 'max'] as const) {
    if (h[k] > MAX_LATENCY_MICROS) return `hops.${hop}.${k}: ${h[k]} µs is beyond the ${MAX_LATENCY_MICROS} µs recorders track`;
  }
  // HDR percentiles report a bucket's highest equivalent value, so p99.9 may sit a hair above
  // the exact max; only the percentiles themselves must be in order.
  if (!(h.p50 <= h.p99 && h.p99 <= h.p999)) return `hops.${hop}: percentiles out of order`;
  if (h.count > MAX_SAMPLES) return `hops.${hop}.count: ${h.count} is implausible`;
  return undefined;
}

export function judgeSummary(cfg: DsmConfig, data: Uint8Array | string, subject?: string): SummaryVerdict {
  let identity = 'unknown';
  if (subject !== undefined) {
    const parts = parseMetricsSubject(subjectScheme(cfg), subject);
    if (!parts) return { ok: false, identity, reason: `subject ${JSON.stringify(subject.slice(0, 120))} is not _DSM.metrics.<role>.<identity>.<service>` };
    const id = cfg.identities.find((i) => i.name === parts.identity);
    if (!id || id.role !== parts.role) return { ok: false, identity, reason: `subject names ${parts.role}/${parts.identity}, not a configured identity` };
    identity = id.name;
  }
  let json: unknown;
  try {
    json = JSON.parse(typeof data === 'string' ? data : new TextDecoder().decode(data));
  } catch (err) {
    return { ok: false, identity, reason: `not JSON: ${String(err).slice(0, 120)}` };
  }
  // JSON cannot carry Infinity/NaN, but 1e400 parses to Infinity: finite() catches it.
  const parsed = ServiceSummarySchema.safeParse(json);
  if (!parsed.success) return { ok: false, identity, reason: parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') };
  const s = parsed.data;
  if (subject !== undefined && s.service !== parseMetricsSubject(subjectScheme(cfg), subject)!.service) {
    return { ok: false, identity, reason: `summary names service ${JSON.stringify(s.service.slice(0, 64))}, its subject another` };
  }
  if (!Number.isFinite(s.at) || s.at < 0) return { ok: false, identity, reason: `at: ${s.at} is not a time` };
  if (!(s.intervalMs >= MIN_INTERVAL_MS && s.intervalMs <= MAX_INTERVAL_MS)) return { ok: false, identity, reason: `intervalMs: ${s.intervalMs} outside ${MIN_INTERVAL_MS}..${MAX_INTERVAL_MS}` };
  for (const [hop, h] of Object.entries(s.hops)) {
    const p = h && hopProblem(hop, h);
    if (p) return { ok: false, identity, reason: p };
  }
  const known = new Set(cfg.exchanges.map((e) => e.name));
  const maxCount = (MAX_RATE_PER_SECOND * s.intervalMs) / 1000;
  for (const [exchange, counts] of Object.entries(s.exchanges)) {
    if (!known.has(exchange)) return { ok: false, identity, reason: `exchanges: ${JSON.stringify(exchange.slice(0, 64))} is not a configured exchange` };
    for (const [k, v] of Object.entries(counts)) {
      if (typeof v === 'number' && v > maxCount) return { ok: false, identity, reason: `exchanges.${exchange}.${k}: ${v} in ${s.intervalMs} ms is beyond ${MAX_RATE_PER_SECOND}/s` };
    }
  }
  if (s.subscriberSlow > maxCount) return { ok: false, identity, reason: `subscriberSlow: ${s.subscriberSlow} is implausible` };
  // Live recovery figures are bounded by the exchange's configured symbols: no more stale symbols
  // than it has, and no more stale time than all of them stale for the whole interval (plus a
  // minute for stats that arrive a refresh late).
  const symbolsOf = new Map(cfg.exchanges.map((e) => [e.name, e.symbols.length]));
  for (const [exchange, counts] of Object.entries(s.exchanges)) {
    const bound = symbolsOf.get(exchange)! * (s.intervalMs + 60_000);
    if ((counts.feedStaleMs ?? 0) > bound) return { ok: false, identity, reason: `exchanges.${exchange}.feedStaleMs: ${counts.feedStaleMs} ms stale is more than its ${symbolsOf.get(exchange)} symbols could be in ${s.intervalMs} ms` };
  }
  for (const [exchange, h] of Object.entries(s.feedHealth ?? {})) {
    const n = symbolsOf.get(exchange);
    if (n === undefined) return { ok: false, identity, reason: `feedHealth: ${JSON.stringify(exchange.slice(0, 64))} is not a configured exchange` };
    if (h.symbols > n || h.stale > h.symbols) return { ok: false, identity, reason: `feedHealth.${exchange}: ${h.stale} stale of ${h.symbols} symbols, but the exchange has ${n}` };
  }
  return { ok: true, summary: s, ...(subject !== undefined ? { identity } : {}) };
}
