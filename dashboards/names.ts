/**
 * Names of the AWS resources the dashboards and `dsm tune` refer to. The stacks create resources
 * with these names (or pass the real ones to `renderDashboards`), so no name is written twice.
 */
import type { DsmConfig } from '../config/schema.js';

export function subscriberAsgName(cfg: DsmConfig): string {
  return `${cfg.nats.clusterName}-subscribers`;
}

export function dashboardName(cfg: DsmConfig, view: 'overview' | 'exchanges'): string {
  return `${cfg.nats.clusterName}-${view}`;
}

/**
 * One owner per dashboard name. The stack (terraform) owns `<cluster>-<view>`; `dsm dashboards
 * import` writes `<cluster>-<view>-imported`, a name terraform never manages, so an import cannot
 * undo an apply nor an apply an import, and `terraform plan` shows no perpetual drift.
 */
export function importedDashboardName(name: string): string {
  return `${name}-imported`;
}

/** SSM parameter path for a client setting the feedback loop tunes. */
export function clientTuningParameter(cfg: DsmConfig, setting: string): string {
  return `/dsm/${cfg.env}/tune/client/${setting}`;
}
