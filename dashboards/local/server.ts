/**
 * The local live dashboard: a small HTTP server on 127.0.0.1 serving one page that draws the
 * CloudWatch dashboards' panels with uPlot, fed from the in-process agent's history. uPlot's dist
 * files are served straight from node_modules; nothing is bundled.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { DsmConfig } from '../../config/schema.js';
import type { MetricsAgent } from '../../services/metrics/agent.js';
import { localDashboards } from './panels.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const uplotDist = path.join(path.dirname(createRequire(import.meta.url).resolve('uplot/package.json')), 'dist');

const STATIC: Record<string, [string, string]> = {
  '/': [path.join(here, 'static', 'index.html'), 'text/html; charset=utf-8'],
  '/app.js': [path.join(here, 'static', 'app.js'), 'text/javascript; charset=utf-8'],
  '/style.css': [path.join(here, 'static', 'style.css'), 'text/css; charset=utf-8'],
  '/uplot/uPlot.iife.min.js': [path.join(uplotDist, 'uPlot.iife.min.js'), 'text/javascript; charset=utf-8'],
  '/uplot/uPlot.min.css': [path.join(uplotDist, 'uPlot.min.css'), 'text/css; charset=utf-8'],
};

export interface LocalDashboardServer {
  url: string;
  close(): Promise<void>;
}

export async function startLocalDashboard(cfg: DsmConfig, agent: MetricsAgent, opts: { host?: string; port?: number } = {}): Promise<LocalDashboardServer> {
  const dashboards = localDashboards(cfg);
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const send = (status: number, type: string, body: string | Buffer) => res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
    if (req.method !== 'GET') return send(405, 'text/plain', 'GET only\n');
    if (url.pathname === '/api/dashboards') {
      return send(200, 'application/json', JSON.stringify({ cluster: cfg.nats.clusterName, env: cfg.env, intervalMs: agent.intervalMs, dashboards }));
    }
    if (url.pathname === '/api/series') {
      const since = Number(url.searchParams.get('since') ?? 0);
      const series = Object.fromEntries(agent.history.all().map((s) => [s.key, s.points.filter(([t]) => t > since)]));
      const obs = agent.latestObservation();
      return send(200, 'application/json', JSON.stringify({ now: Date.now(), series, status: obs ? { nodesScraped: obs.nodesScraped, nodesFailed: obs.nodesFailed } : null }));
    }
    const file = STATIC[url.pathname];
    if (!file) return send(404, 'text/plain', 'not found\n');
    readFile(file[0]).then((body) => send(200, file[1], body), (err: unknown) => send(500, 'text/plain', `${String(err)}\n`));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? cfg.metrics.localDashboardPort, opts.host ?? cfg.metrics.prometheusHost, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  return {
    url: `http://${addr.address}:${addr.port}/`,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}
