/** `dsm dashboard --local`: the live dashboard for the local cluster, in a browser on 127.0.0.1. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { startLocalDashboard } from '../../dashboards/local/server.js';
import { startAgentRuntime } from '../../services/metrics/runtime.js';
import { CommandFailed, UsageError } from '../exit.js';
import { DIR_OPTION, localDir } from '../local-dir.js';
import { ENV_OPTION, configFor, portNumber, positiveInt } from '../options.js';

interface Opts {
  env: string;
  dir?: string;
  local?: boolean;
  port?: number;
  interval?: number;
  duration?: number;
}

export function register(program: Command): void {
  program
    .command('dashboard')
    .description('serve the dashboards\' panels live from the local cluster (uPlot charts on 127.0.0.1)')
    .option(...ENV_OPTION)
    .option(...DIR_OPTION)
    .option('--local', 'run the metrics agent in-process against the local cluster and serve the page')
    .option('--port <port>', 'HTTP port (default: metrics.localDashboardPort; 0 picks a free one)', portNumber('--port', true))
    .option('--interval <seconds>', 'scrape interval (default: 1)', positiveInt('--interval'))
    .option('--duration <seconds>', 'stop after this long (default: run until interrupted)', positiveInt('--duration'))
    .action(async (opts: Opts) => {
      if (!opts.local) throw new UsageError('only --local is supported here; CloudWatch dashboards are deployed with dsm dashboards import');
      const cfg = configFor(opts);
      if (cfg.nats.placement !== 'loopback') throw new UsageError(`--local needs a loopback environment; "${cfg.env}" runs on AWS (see its CloudWatch dashboards)`);
      const tlsDir = path.join(localDir(cfg.env, opts.dir), 'tls');
      const rt = await startAgentRuntime(cfg, { ...(existsSync(tlsDir) ? { tlsDir } : {}), intervalMs: (opts.interval ?? 1) * 1000, cloudwatch: 'off' });
      if (rt.agent.latestObservation()?.nodesScraped === 0) {
        await rt.stop();
        throw new CommandFailed('no node of the local cluster answered on its monitoring port; start it with dsm up (or make demo)');
      }
      const server = await startLocalDashboard(cfg, rt.agent, { ...(opts.port !== undefined ? { port: opts.port } : {}) });
      process.stdout.write(`live dashboard on ${server.url}\n`);
      if (!rt.nc) process.stdout.write(`no client certificate in ${tlsDir}: latency panels stay empty\n`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
        if (opts.duration) setTimeout(resolve, opts.duration * 1000);
      });
      await server.close();
      await rt.stop();
    });
}
