/**
 * Hook for `dsm demo` (its `onReady` option): once the demo's cluster is up, run the agent
 * in-process against it and serve the live dashboard; the returned function stops both.
 */
import type { DsmConfig } from '../../config/schema.js';
import type { LocalCluster } from '../../services/nats/local-cluster.js';
import { startAgentRuntime } from '../../services/metrics/runtime.js';
import { startLocalDashboard } from './server.js';

export interface DemoDashboardOptions {
  port?: number;
  intervalMs?: number;
  /** Told the URL once the page is up (the demo prints it). */
  onUrl?: (url: string) => void;
}

export function demoDashboard(opts: DemoDashboardOptions = {}) {
  return async ({ config, cluster }: { config: DsmConfig; cluster: LocalCluster }): Promise<() => Promise<void>> => {
    const rt = await startAgentRuntime(config, { tlsDir: cluster.tlsDir, intervalMs: opts.intervalMs ?? 1000, cloudwatch: 'off' });
    const server = await startLocalDashboard(config, rt.agent, { ...(opts.port !== undefined ? { port: opts.port } : {}) });
    (opts.onUrl ?? ((url: string) => process.stderr.write(`live dashboard on ${url}\n`)))(server.url);
    return async () => {
      await server.close();
      await rt.stop();
    };
  };
}
