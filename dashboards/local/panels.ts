/**
 * The CloudWatch dashboards' panels, described for the local page: each line points at the
 * agent's series key (DSM metrics) or is marked AWS-only (EC2/Auto Scaling have no local source).
 */
import type { DsmConfig } from '../../config/schema.js';
import { seriesKey } from '../../services/metrics/points.js';
import { dashboardDefs } from '../index.js';
import type { HorizontalAnnotation } from '../model.js';

export interface LocalLine {
  label: string;
  /** Agent series key, or null when the line exists only in CloudWatch. */
  key: string | null;
}

export interface LocalPanel {
  id: string;
  title: string;
  unit: string;
  lines: LocalLine[];
  thresholds: HorizontalAnnotation[];
  awsOnly: boolean;
}

export interface LocalDashboard {
  name: string;
  title: string;
  panels: LocalPanel[];
}

export function localDashboards(cfg: DsmConfig): LocalDashboard[] {
  return dashboardDefs(cfg).map((def) => ({
    name: def.name,
    title: def.title,
    panels: def.tiles.flatMap((tile, i) => {
      if (tile.kind !== 'panel') return [];
      const lines: LocalLine[] = tile.lines.map((l) => ({ label: l.label, key: l.kind === 'dsm' ? seriesKey({ metric: l.metric, dimensions: l.dimensions }) : null }));
      return [{ id: `${def.name}-${i}`, title: tile.title, unit: tile.unit, lines, thresholds: tile.thresholds ?? [], awsOnly: lines.every((l) => l.key === null) }];
    }),
  }));
}
