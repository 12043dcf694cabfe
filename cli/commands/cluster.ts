/**
 * `dsm up` / `down` / `status`: the local cluster, told truthfully. `up` checks every port first
 * (naming the process that holds one), calls the cluster ready only when the processes it started
 * are alive and their routes formed, and on any failure or Ctrl-C stops what it started and prints
 * the cause from the node's log. `status` and `down` find the cluster's state directory from
 * anywhere in the repository (cli/local-dir.ts) and use the config it was started with.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { validateConfig } from '../../config/load.js';
import type { DsmConfig } from '../../config/schema.js';
import { LocalCluster } from '../../services/nats/local-cluster.js';
import { fetchVarz, type Varz } from '../../services/nats/monitor.js';
import { CommandFailed, EXIT_INTERRUPTED } from '../exit.js';
import { DIR_OPTION, localDir } from '../local-dir.js';
import { ENV_OPTION, configFor, positiveInt } from '../options.js';
import { progress } from '../progress.js';

type Opts = { env: string; dir?: string; config?: string; ports?: string };

/** A cluster of any environment runs on loopback here: an AWS env's topology is rehearsed on 127.0.0.1. */
function loopbackView(cfg: DsmConfig): DsmConfig {
  if (cfg.nats.placement === 'loopback') return cfg;
  return validateConfig({ ...cfg, nats: { ...cfg.nats, placement: 'loopback' } }, cfg.env);
}

/** The config a running cluster was started with (cluster.json), unless the caller names one explicitly. */
function startedConfig(dir: string): DsmConfig | undefined {
  const file = path.join(dir, 'cluster.json');
  if (!existsSync(file)) return undefined;
  try {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { config?: unknown };
    return saved.config ? validateConfig(saved.config, 'saved') : undefined;
  } catch { return undefined; }
}

function clusterFor(opts: Opts, useSaved: boolean): LocalCluster {
  const cfg = configFor(opts);
  const dir = localDir(cfg.env, opts.dir);
  const saved = useSaved && !opts.ports ? startedConfig(dir) : undefined;
  return new LocalCluster(saved ?? loopbackView(cfg), { dir, detached: true, ...(process.env.DSM_NATS_SERVER ? { binary: process.env.DSM_NATS_SERVER } : {}) });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function up(opts: Opts & { timeout: number }): Promise<void> {
  const cluster = clusterFor(opts, false);
  const running = (await cluster.status()).filter((s) => s.running);
  if (running.length) throw new CommandFailed(`cluster already running in ${cluster.opts.dir} (${running.map((s) => `${s.node.name} pid ${s.pid}`).join(', ')}); run dsm down first`);
  const conflicts = await cluster.portConflicts();
  if (conflicts.length) throw new CommandFailed(`cannot start ${cluster.cfg.nats.clusterName}: ${conflicts.join('; ')} (stop that process, or pick other ports with --ports BASE)`);
  if (cluster.cfg.env !== configFor(opts).env || configFor(opts).nats.placement !== 'loopback') process.stderr.write(`running ${cluster.cfg.env}'s ${cluster.nodes.length}-node topology on 127.0.0.1\n`);

  let interrupted: NodeJS.Signals | undefined;
  const onSignal = (sig: NodeJS.Signals) => { interrupted = sig; };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const n = cluster.nodes.length;
  const bar = progress('routes', n * (n - 1));
  try {
    await cluster.prepare();
    for (const node of cluster.nodes) await cluster.startNode(node.index, { wait: false });
    const deadline = Date.now() + opts.timeout;
    for (;;) {
      if (interrupted) throw new Interrupted(interrupted);
      // Ready means: the processes this command started are alive, and their routes formed.
      const exited = cluster.exitedNodes();
      if (exited.length) throw new CommandFailed(`${exited.map((e) => `${e.name} ${e.cause}`).join('; ')} (logs in ${cluster.opts.dir})`);
      const routes = (await cluster.status()).reduce((a, s) => a + s.routes, 0);
      bar.update(Math.min(routes, n * (n - 1)), routes >= n * (n - 1) ? 'ready' : 'forming');
      if (routes >= n * (n - 1) && cluster.ownPids().length === n) break;
      if (Date.now() > deadline) {
        const st = await cluster.status();
        throw new CommandFailed(`routes did not form within ${opts.timeout} ms (${st.map((s) => `${s.node.name}: ${s.routes}/${n - 1} routes${cluster.logCause(s.node.index) ? `, log: ${cluster.logCause(s.node.index)}` : ''}`).join('; ')})`);
      }
      await sleep(100);
    }
  } catch (err) {
    bar.stop();
    const started = cluster.ownPids().length;
    await cluster.stop(2000);
    if (err instanceof Interrupted) {
      process.stderr.write(`dsm: interrupted (${err.signal}) while starting: stopped the ${started} node(s) it had started\n`);
      process.exit(EXIT_INTERRUPTED);
    }
    if (err instanceof CommandFailed) throw new CommandFailed(`${err.message}; stopped the ${started} node(s) it had started`);
    throw err;
  } finally {
    bar.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  process.stdout.write(`cluster ${cluster.cfg.nats.clusterName} ready: ${cluster.clientUrls.join(' ')} (pids ${cluster.ownPids().join(' ')})\n`);
  process.stdout.write(`state: ${cluster.opts.dir} (certificates in ${cluster.tlsDir}); stop it with dsm down${opts.dir ? ` --dir ${opts.dir}` : ''}\n`);
}

class Interrupted extends Error {
  constructor(readonly signal: NodeJS.Signals) { super(`interrupted by ${signal}`); }
}

interface Row {
  node: string; running: boolean; pid: number | null; client: string; routes: number; connections: number;
  in_msgs_per_s: number; out_msgs_per_s: number; slow_consumers: number;
}

async function sampleStatus(cluster: LocalCluster, ms: number): Promise<{ healthy: boolean; rows: Row[] }> {
  const statuses = await cluster.status();
  const sample = () => Promise.all(statuses.map((s) => (s.running ? fetchVarz(cluster.monitorUrl(s.node.index)).catch(() => undefined) : Promise.resolve(undefined))));
  const a = await sample();
  await sleep(ms);
  const b = await sample();
  const rate = (x: Varz | undefined, y: Varz | undefined, k: 'in_msgs' | 'out_msgs') => (x && y ? Math.max(0, (y[k] - x[k]) * 1000 / ms) : 0);
  const rows = statuses.map((s, i) => ({
    node: s.node.name, running: s.running, pid: s.pid ?? null, client: `${s.node.ip}:${s.node.clientPort}`,
    routes: s.routes, connections: b[i]?.connections ?? 0, in_msgs_per_s: Math.round(rate(a[i], b[i], 'in_msgs')), out_msgs_per_s: Math.round(rate(a[i], b[i], 'out_msgs')),
    slow_consumers: b[i]?.slow_consumers ?? 0,
  }));
  const expected = cluster.nodes.length - 1;
  return { healthy: rows.every((r) => r.running && r.routes === expected), rows };
}

function printStatus(cluster: LocalCluster, s: { healthy: boolean; rows: Row[] }, json: boolean): void {
  const expected = cluster.nodes.length - 1;
  if (json) { process.stdout.write(`${JSON.stringify({ cluster: cluster.cfg.nats.clusterName, dir: cluster.opts.dir, healthy: s.healthy, nodes: s.rows })}\n`); return; }
  const none = s.rows.every((r) => !r.running);
  process.stdout.write(`cluster ${cluster.cfg.nats.clusterName} (${cluster.opts.dir}): ${s.healthy ? 'healthy' : none ? 'not running (start it with dsm up)' : 'DEGRADED'}\n`);
  process.stdout.write(`${'node'.padEnd(8)}${'state'.padEnd(9)}${'client'.padEnd(18)}${'routes'.padStart(7)}${'conns'.padStart(7)}${'in/s'.padStart(10)}${'out/s'.padStart(10)}${'slow'.padStart(6)}\n`);
  for (const r of s.rows) {
    process.stdout.write(`${r.node.padEnd(8)}${(r.running ? 'up' : 'down').padEnd(9)}${r.client.padEnd(18)}${`${r.routes}/${expected}`.padStart(7)}${String(r.connections).padStart(7)}${String(r.in_msgs_per_s).padStart(10)}${String(r.out_msgs_per_s).padStart(10)}${String(r.slow_consumers).padStart(6)}\n`);
  }
}

export function register(program: Command): void {
  program
    .command('up')
    .description('start the local nats-server cluster (mTLS, 127.0.0.1) and wait until its own processes run and every route is up')
    .option(...ENV_OPTION)
    .option(...DIR_OPTION)
    .option('--timeout <ms>', 'how long to wait for routes', positiveInt('--timeout'), 20000)
    .addHelpText('after', '\nExamples:\n  dsm up\n  dsm up --ports 24000 --dir /tmp/dsm-b      # a second cluster beside the first\n  dsm up --config ./staging.ts               # a custom environment, on loopback\n\nExit: 0 ready, 1 failed (the nodes it started are stopped), 2 usage, 130 interrupted.')
    .action(up);

  program
    .command('down')
    .description('stop the local cluster cleanly (SIGTERM, then SIGKILL after a grace period)')
    .option(...ENV_OPTION)
    .option(...DIR_OPTION)
    .addHelpText('after', '\nExamples:\n  dsm down                 # from anywhere in the repository\n  DSM_HOME=/srv/dsm dsm down')
    .action(async (opts: Opts) => {
      const cluster = clusterFor(opts, true);
      const before = (await cluster.status()).filter((s) => s.running).length;
      await cluster.stop();
      const after = (await cluster.status()).filter((s) => s.running);
      if (after.length) throw new CommandFailed(`${after.map((s) => `${s.node.name} (pid ${s.pid})`).join(', ')} still running after SIGKILL`);
      process.stdout.write(before ? `stopped ${before} node(s) (${cluster.opts.dir})\n` : `nothing running (${cluster.opts.dir})\n`);
    });

  program
    .command('status')
    .description('nodes, routes, connections and message rates of the local cluster; exit 1 unless healthy')
    .option(...ENV_OPTION)
    .option(...DIR_OPTION)
    .option('--json', 'print JSON (one object per sample with --watch)')
    .option('--interval <ms>', 'sampling interval for rates', positiveInt('--interval'), 1000)
    .option('-w, --watch', 'keep sampling until Ctrl-C')
    .addHelpText('after', '\nExamples:\n  dsm status\n  dsm status --watch --interval 2000\n  dsm status --json | jq .healthy')
    .action(async (opts: Opts & { json?: boolean; interval: number; watch?: boolean }) => {
      const cluster = clusterFor(opts, true);
      if (!opts.watch) {
        const s = await sampleStatus(cluster, opts.interval);
        printStatus(cluster, s, opts.json === true);
        if (!s.healthy) process.exitCode = 1;
        return;
      }
      let stop = false;
      const onSig = () => { stop = true; };
      process.once('SIGINT', onSig);
      process.once('SIGTERM', onSig);
      let last: { healthy: boolean } | undefined;
      while (!stop) {
        const s = await sampleStatus(cluster, opts.interval);
        if (stop) break;
        // On a terminal, redraw in place; piped, append (one JSON object or one table per sample).
        if (!opts.json && process.stdout.isTTY) process.stdout.write('\x1b[H\x1b[2J');
        printStatus(cluster, s, opts.json === true);
        last = s;
      }
      process.off('SIGINT', onSig);
      process.off('SIGTERM', onSig);
      if (last && !last.healthy) process.exitCode = 1;
    });
}
