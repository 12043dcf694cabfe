import type { Command } from 'commander';
import { LocalCluster } from '../../services/nats/local-cluster.js';
import { fetchVarz, type Varz } from '../../services/nats/monitor.js';
import { CommandFailed } from '../exit.js';
import { DIR_OPTION, localDir } from '../local-dir.js';
import { ENV_OPTION, configFor } from '../options.js';
import { progress } from '../progress.js';

type Opts = { env: string; dir?: string };

function clusterFor(opts: Opts, detached = true): LocalCluster {
  const cfg = configFor(opts);
  return new LocalCluster(cfg, { dir: localDir(cfg.env, opts.dir), detached });
}

export function register(program: Command): void {
  program
    .command('up')
    .description('start the local nats-server cluster (mTLS, 127.0.0.1) and wait until every route is up')
    .option(...ENV_OPTION)
    .option(...DIR_OPTION)
    .option('--timeout <ms>', 'how long to wait for routes', '20000')
    .action(async (opts: Opts & { timeout: string }) => {
      const cluster = clusterFor(opts);
      const running = (await cluster.status()).filter((s) => s.running);
      if (running.length) throw new CommandFailed(`cluster already running (${running.map((s) => s.node.name).join(', ')}); run dsm down first`);
      const n = cluster.nodes.length;
      const bar = progress('routes', n * (n - 1));
      await cluster.prepare();
      for (const node of cluster.nodes) await cluster.startNode(node.index, { wait: false });
      const deadline = Date.now() + Number(opts.timeout);
      try {
        for (;;) {
          const routes = (await cluster.status()).reduce((a, s) => a + s.routes, 0);
          bar.update(Math.min(routes, n * (n - 1)), routes >= n * (n - 1) ? 'ready' : 'forming');
          if (routes >= n * (n - 1)) break;
          if (Date.now() > deadline) throw new CommandFailed(`routes did not form within ${opts.timeout} ms; logs in ${cluster.opts.dir}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      } finally { bar.stop(); }
      process.stdout.write(`cluster ${cluster.cfg.nats.clusterName} ready: ${cluster.clientUrls.join(' ')}\n`);
      process.stdout.write(`certificates: ${cluster.tlsDir}\n`);
    });

  program
    .command('down')
    .description('stop the local cluster cleanly (SIGTERM, then SIGKILL after a grace period)')
    .option(...ENV_OPTION)
    .option(...DIR_OPTION)
    .action(async (opts: Opts) => {
      const cluster = clusterFor(opts);
      const before = (await cluster.status()).filter((s) => s.running).length;
      await cluster.stop();
      process.stdout.write(before ? `stopped ${before} node(s)\n` : 'nothing running\n');
    });

  program
    .command('status')
    .description('nodes, routes, connections and message rates of the local cluster')
    .option(...ENV_OPTION)
    .option(...DIR_OPTION)
    .option('--json', 'print JSON')
    .option('--interval <ms>', 'sampling interval for rates', '1000')
    .action(async (opts: Opts & { json?: boolean; interval: string }) => {
      const cluster = clusterFor(opts);
      const statuses = await cluster.status();
      const sample = () => Promise.all(statuses.map((s) => (s.running ? fetchVarz(cluster.monitorUrl(s.node.index)).catch(() => undefined) : Promise.resolve(undefined))));
      const a = await sample();
      const ms = Number(opts.interval);
      await new Promise((r) => setTimeout(r, ms));
      const b = await sample();
      const rate = (x: Varz | undefined, y: Varz | undefined, k: 'in_msgs' | 'out_msgs') => (x && y ? Math.max(0, (y[k] - x[k]) * 1000 / ms) : 0);
      const rows = statuses.map((s, i) => ({
        node: s.node.name, running: s.running, pid: s.pid ?? null, client: `${s.node.ip}:${s.node.clientPort}`,
        routes: s.routes, connections: b[i]?.connections ?? 0, in_msgs_per_s: Math.round(rate(a[i], b[i], 'in_msgs')), out_msgs_per_s: Math.round(rate(a[i], b[i], 'out_msgs')),
        slow_consumers: b[i]?.slow_consumers ?? 0,
      }));
      const expected = cluster.nodes.length - 1;
      const healthy = rows.every((r) => r.running && r.routes === expected);
      if (opts.json) process.stdout.write(`${JSON.stringify({ cluster: cluster.cfg.nats.clusterName, healthy, nodes: rows }, null, 2)}\n`);
      else {
        process.stdout.write(`cluster ${cluster.cfg.nats.clusterName}: ${healthy ? 'healthy' : 'DEGRADED'}\n`);
        process.stdout.write(`${'node'.padEnd(8)}${'state'.padEnd(9)}${'client'.padEnd(18)}${'routes'.padStart(7)}${'conns'.padStart(7)}${'in/s'.padStart(10)}${'out/s'.padStart(10)}${'slow'.padStart(6)}\n`);
        for (const r of rows) {
          process.stdout.write(`${r.node.padEnd(8)}${(r.running ? 'up' : 'down').padEnd(9)}${r.client.padEnd(18)}${`${r.routes}/${expected}`.padStart(7)}${String(r.connections).padStart(7)}${String(r.in_msgs_per_s).padStart(10)}${String(r.out_msgs_per_s).padStart(10)}${String(r.slow_consumers).padStart(6)}\n`);
        }
      }
      if (!healthy) process.exitCode = 1;
    });
}
