/**
 * The demo's verdict on latency: each configured threshold against what was measured, with how far
 * it was missed. Pure: the report and the CLI summary both read it.
 */
import type { DsmConfig } from '../../config/schema.js';
import type { HopSummary } from '../metrics/latency.js';

export interface ThresholdCheck {
  name: string;
  limit: number;
  measured: number | null;
  unit: 'µs' | 'per minute';
  met: boolean;
  /** How far over the limit (0 when met). */
  over_by: number;
}

export function checkThresholds(cfg: DsmConfig, m: { endToEnd?: HopSummary; slowConsumers: number; durationS: number }): ThresholdCheck[] {
  const e2e = m.endToEnd && m.endToEnd.count > 0 ? m.endToEnd.p99 : null;
  const slowPerMin = m.durationS > 0 ? (m.slowConsumers * 60) / m.durationS : 0;
  return [
    // No samples is not a pass: the check could not be made.
    { name: 'end-to-end p99', limit: cfg.thresholds.e2eP99Micros, measured: e2e, unit: 'µs', met: e2e !== null && e2e <= cfg.thresholds.e2eP99Micros, over_by: e2e === null ? 0 : Math.max(0, e2e - cfg.thresholds.e2eP99Micros) },
    { name: 'slow consumers', limit: cfg.thresholds.slowConsumersPerMinute, measured: Math.round(slowPerMin * 10) / 10, unit: 'per minute', met: slowPerMin <= cfg.thresholds.slowConsumersPerMinute, over_by: Math.max(0, Math.round((slowPerMin - cfg.thresholds.slowConsumersPerMinute) * 10) / 10) },
  ];
}

export function describeMiss(t: ThresholdCheck): string {
  if (t.measured === null) return `${t.name}: no samples (limit ${t.limit} ${t.unit})`;
  const ratio = t.limit > 0 ? ` (${(t.measured / t.limit).toFixed(1)}x)` : '';
  return `${t.name} ${t.measured.toLocaleString('en-US')} ${t.unit} > ${t.limit.toLocaleString('en-US')} ${t.unit}, over by ${t.over_by.toLocaleString('en-US')} ${t.unit}${ratio}`;
}
