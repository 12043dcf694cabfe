/**
 * A metric value as the agent hands it to its sinks (CloudWatch, Prometheus, the local history).
 * `metricPoint` is the only way to make one, and it insists on exactly the catalog's dimensions:
 * that is what keeps CloudWatch cardinality bounded.
 */
import { METRICS, type MetricDimension, type MetricKey } from '../../config/metrics.js';

export type Dimensions = Partial<Record<MetricDimension, string>>;

export interface MetricPoint {
  metric: MetricKey;
  dimensions: Dimensions;
  value: number;
  /** ms since epoch */
  timestamp: number;
}

export function metricPoint(metric: MetricKey, dimensions: Dimensions, value: number, timestamp: number): MetricPoint {
  const def = METRICS[metric];
  const given = Object.keys(dimensions).sort();
  const expected = [...def.dimensions].sort();
  if (given.join(',') !== expected.join(',')) {
    throw new Error(`${def.name} takes dimensions [${expected.join(', ')}], got [${given.join(', ')}]`);
  }
  for (const [k, v] of Object.entries(dimensions)) {
    if (!v) throw new Error(`${def.name}: dimension ${k} is empty`);
  }
  return { metric, dimensions, value, timestamp };
}

/** Stable identity of one time series: metric name plus its dimension values in catalog order. */
export function seriesKey(p: Pick<MetricPoint, 'metric' | 'dimensions'>): string {
  const def = METRICS[p.metric];
  return [def.name, ...def.dimensions.map((d) => `${d}=${p.dimensions[d] ?? ''}`)].join('|');
}
