/** The last N values of every series the agent produced: what the local dashboard and `dsm tune` read. */
import type { Dimensions, MetricPoint } from './points.js';
import { seriesKey } from './points.js';
import type { MetricKey } from '../../config/metrics.js';

export interface SeriesHistory {
  key: string;
  metric: MetricKey;
  dimensions: Dimensions;
  /** [ms since epoch, value], oldest first. */
  points: Array<[number, number]>;
}

export class MetricHistory {
  private readonly series = new Map<string, SeriesHistory>();

  constructor(readonly capacity = 720) {}

  record(points: readonly MetricPoint[]): void {
    for (const p of points) {
      const key = seriesKey(p);
      let s = this.series.get(key);
      if (!s) this.series.set(key, (s = { key, metric: p.metric, dimensions: p.dimensions, points: [] }));
      s.points.push([p.timestamp, p.value]);
      if (s.points.length > this.capacity) s.points.splice(0, s.points.length - this.capacity);
    }
  }

  all(): SeriesHistory[] {
    return [...this.series.values()];
  }

  get(metric: MetricKey, dimensions: Dimensions): SeriesHistory | undefined {
    return this.series.get(seriesKey({ metric, dimensions }));
  }

  /** Most recent value of a series, if any. */
  latest(metric: MetricKey, dimensions: Dimensions): number | undefined {
    return this.get(metric, dimensions)?.points.at(-1)?.[1];
  }
}
