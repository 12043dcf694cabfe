/**
 * Panels -> CloudWatch dashboard body. Tiles flow left to right on AWS's 24-column grid and wrap
 * to a new row when the next one does not fit, so definitions never carry coordinates.
 */
import { METRICS } from '../config/metrics.js';
import type { DashboardBody, DashboardDef, MetricArray, MetricWidget, Panel, PanelLine, Widget } from './model.js';

export const GRID_COLUMNS = 24;

export interface RenderContext {
  namespace: string;
  region: string;
  period: number;
}

function lineToMetricArray(line: PanelLine, ctx: RenderContext, panel: Panel): MetricArray {
  switch (line.kind) {
    case 'dsm': {
      const def = METRICS[line.metric];
      const dims = def.dimensions.flatMap((d) => [d, line.dimensions[d] ?? '']);
      return [ctx.namespace, def.name, ...dims, { label: line.label, ...(line.stat && line.stat !== panel.stat ? { stat: line.stat } : {}) }];
    }
    case 'aws': {
      const dims = Object.entries(line.dimensions).flat();
      return [line.namespace, line.name, ...dims, { label: line.label, ...(line.stat && line.stat !== panel.stat ? { stat: line.stat } : {}) }];
    }
    case 'expression':
      return [{ expression: line.expression, label: line.label, id: line.id }];
  }
}

function panelWidget(panel: Panel, ctx: RenderContext, x: number, y: number): MetricWidget {
  return {
    type: 'metric',
    x,
    y,
    width: panel.width,
    height: panel.height,
    properties: {
      title: `${panel.title} (${panel.unit})`,
      region: ctx.region,
      view: panel.view ?? 'timeSeries',
      stat: panel.stat,
      period: ctx.period,
      metrics: panel.lines.map((l) => lineToMetricArray(l, ctx, panel)),
      ...(panel.stacked ? { stacked: true } : {}),
      ...(panel.yMin !== undefined ? { yAxis: { left: { min: panel.yMin } } } : {}),
      ...(panel.thresholds?.length ? { annotations: { horizontal: panel.thresholds } } : {}),
    },
  };
}

export function renderBody(def: DashboardDef, ctx: RenderContext): DashboardBody {
  const widgets: Widget[] = [];
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  for (const tile of def.tiles) {
    if (x + tile.width > GRID_COLUMNS) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    widgets.push(tile.kind === 'note'
      ? { type: 'text', x, y, width: tile.width, height: tile.height, properties: { markdown: tile.markdown } }
      : panelWidget(tile, ctx, x, y));
    x += tile.width;
    rowHeight = Math.max(rowHeight, tile.height);
  }
  return { start: '-PT3H', periodOverride: 'inherit', widgets };
}

/**
 * Graph period for the configured resolution: high-resolution metrics allow 1/5/10/30 s, standard
 * ones need multiples of 60. The scrape interval is the finest grain there is data for.
 */
export function graphPeriod(storageResolution: 1 | 60, scrapeIntervalSeconds: number): number {
  if (storageResolution === 60) return 60;
  return [1, 5, 10, 30].find((p) => p >= scrapeIntervalSeconds) ?? 60;
}
