/**
 * Every DSM dashboard, rendered to CloudWatch dashboard JSON. The stacks deploy these bodies and
 * `dsm dashboards import|diff|export` work on the same list.
 */
import type { DsmConfig } from '../config/schema.js';
import { exchangesDashboard } from './exchanges.js';
import type { DashboardBody, DashboardDef } from './model.js';
import { overviewDashboard, type DashboardResources } from './overview.js';
import { graphPeriod, renderBody } from './render.js';

export type { DashboardResources } from './overview.js';

export interface RenderOptions {
  /** Region the widgets query; defaults to the config's AWS region (us-east-1 for loopback envs). */
  region?: string;
  resources?: DashboardResources;
}

export function dashboardDefs(cfg: DsmConfig, resources: DashboardResources = {}): DashboardDef[] {
  return [overviewDashboard(cfg, resources), exchangesDashboard(cfg)];
}

export function renderDashboards(cfg: DsmConfig, opts: RenderOptions = {}): Array<{ name: string; body: DashboardBody }> {
  const ctx = {
    namespace: cfg.metrics.namespace,
    region: opts.region ?? cfg.aws?.region ?? 'us-east-1',
    period: graphPeriod(cfg.metrics.storageResolution, cfg.metrics.scrapeIntervalSeconds),
  };
  return dashboardDefs(cfg, opts.resources).map((def) => ({ name: def.name, body: renderBody(def, ctx) }));
}
