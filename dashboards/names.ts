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

/** SSM parameter path for a client setting the feedback loop tunes. */
export function clientTuningParameter(cfg: DsmConfig, setting: string): string {
  return `/dsm/${cfg.env}/tune/client/${setting}`;
}
