/**
 * The local dashboard fed only by the services a user runs, each its own process, started the
 * way their systemd units start them: `dsm up` (free ports), `dsm ingest`, `dsm subscribe`
 * (plain, and a group member) and `dsm dashboard --local`. In headless Chromium, every latency
 * panel and every per-exchange panel must show data: the services publish their own summaries.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { findFreePortBlock } from '../../services/nats/ports.js';
import { DSM_BIN, runDsm } from '../harness/cli.js';

const ROOT = path.join(import.meta.dirname, '..', '..');
const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

if (process.env.CI && !existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: the Makefile's system deps must install chromium`);

interface Proc { name: string; child: ChildProcess; out: string[] }

describe.skipIf(!existsSync(CHROMIUM))('dashboard fed by separate dsm processes', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dsm-procs-'));
  const state = path.join(dir, 'state');
  const cfgFile = path.join(dir, 'env.ts');
  const procs: Proc[] = [];
  let browser: Browser | undefined;
  let url = '';

  const start = (name: string, args: string[]): Proc => {
    const child = spawn(process.execPath, [DSM_BIN, ...args, '--config', cfgFile], { cwd: ROOT, env: { ...process.env, DSM_LOG_FORMAT: 'json', DSM_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] });
    const p: Proc = { name, child, out: [] };
    child.stdout!.on('data', (d: Buffer) => p.out.push(d.toString()));
    child.stderr!.on('data', (d: Buffer) => p.out.push(d.toString()));
    procs.push(p);
    return p;
  };

  beforeAll(async () => {
    const [base, itch, http] = await Promise.all([findFreePortBlock(9), findFreePortBlock(1), findFreePortBlock(1)]);
    // The local environment on free ports (NATS and the ITCH feed's UDP port), as a --config file.
    writeFileSync(cfgFile, `import { localConfig } from '${path.join(ROOT, 'config', 'local.js')}';
export default {
  ...localConfig,
  nats: { ...localConfig.nats, clusterName: 'dsm-procs-${process.pid}', ports: { client: ${base}, cluster: ${base + 3}, monitor: ${base + 6} } },
  exchanges: localConfig.exchanges.map((ex) => ex.feed.kind === 'itch-moldudp64' ? { ...ex, feed: { ...ex.feed, port: ${itch} } } : ex),
  metrics: { ...localConfig.metrics, scrapeIntervalSeconds: 1 },
};
`);
    const up = await runDsm(['up', '--config', cfgFile, '--dir', state], { timeoutMs: 60_000 });
    expect(up.code, up.stderr).toBe(0);
    const tls = ['--tls-dir', path.join(state, 'tls')];
    start('ingest', ['ingest', ...tls, '--pace', '5x', '--workers', '1', '--publisher-id', 'ingest-1', '--summary-interval', '500']);
    start('subscribe', ['subscribe', ...tls, '--summary-interval', '500']);
    // A member of the host group (groups.hostGroup), whose panels the exchanges dashboard shows.
    start('member', ['subscribe', ...tls, '--group', 'subscribers', '--member', 'm1', '--summary-interval', '500']);
    const dash = start('dashboard', ['dashboard', '--local', '--dir', state, '--port', String(http), '--interval', '1']);
    for (let i = 0; i < 300 && !url; i++) {
      url = /live dashboard on (\S+)/.exec(dash.out.join(''))?.[1] ?? '';
      if (dash.child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(url, dash.out.join('')).not.toBe('');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    for (const p of procs) p.child.kill('SIGTERM');
    await Promise.all(procs.map((p) => (p.child.exitCode !== null ? undefined : new Promise((r) => { p.child.once('exit', r); setTimeout(() => { p.child.kill('SIGKILL'); r(undefined); }, 8000); }))));
    await runDsm(['down', '--config', cfgFile, '--dir', state]);
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('every latency and per-exchange panel has data', async () => {
    const page = await browser!.newPage({ viewport: { width: 1400, height: 1700 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(url);
    await page.waitForFunction(() => (window as unknown as { __dsmReady?: boolean }).__dsmReady === true, undefined, { timeout: 15_000 });
    const meta = (await (await fetch(new URL('/api/dashboards', url))).json()) as { dashboards: Array<{ name: string; panels: Array<{ id: string; title: string; awsOnly: boolean }> }> };
    const [overview, exchanges] = meta.dashboards;
    const wanted = [
      ...overview!.panels.filter((p) => p.title.startsWith('Latency')),
      ...exchanges!.panels.filter((p) => !p.awsOnly),
    ];
    expect(wanted.filter((p) => p.title.startsWith('Latency'))).toHaveLength(3);
    expect(wanted.length).toBeGreaterThanOrEqual(3 + 1 + 2 + 2 * 5);
    expect(wanted.map((p) => p.title)).toContain('Group subscribers: messages per member');
    const ids = wanted.map((p) => p.id);
    try {
      await page.waitForFunction((want) => {
        const s = (window as unknown as { __dsmSeries: Record<string, number> }).__dsmSeries;
        return want.every((id) => (s[id] ?? 0) >= 3);
      }, ids, { timeout: 60_000, polling: 500 });
    } finally {
      const series = await page.evaluate(() => (window as unknown as { __dsmSeries: Record<string, number> }).__dsmSeries);
      const empty = wanted.filter((p) => (series[p.id] ?? 0) < 3).map((p) => p.title);
      if (empty.length) console.log('panels without data:', empty, procs.map((p) => `${p.name}: ${p.out.join('').slice(-1500)}`).join('\n'));
    }
    expect(errors).toEqual([]);
    for (const p of procs) expect(p.child.exitCode, `${p.name} exited: ${p.out.join('').slice(-2000)}`).toBeNull();
  }, 120_000);
});
