/** The demo end to end, as `make demo` runs it (fast pace): every subscriber book equals the ingest's. */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../config/load.js';
import { runDemo } from '../services/demo/demo.js';
import type { DemoReport } from '../services/demo/report.js';
import { DSM_BIN } from './harness/cli.js';

function processesWith(marker: string): number[] {
  return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((pid) => {
    try { return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker); } catch { return false; }
  }).map(Number);
}

describe('dsm demo', () => {
  it('replays every bundled recording through the cluster with zero book mismatches', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'dsm-demo-test-'));
    try {
      const report = await runDemo({ config: loadConfig('local'), pace: { mode: 'multiplier', speed: 20 }, paceText: '20x', root: process.cwd(), reportDir: dir, view: false });
      const written = JSON.parse(await readFile(path.join(dir, 'demo-report.json'), 'utf8')) as DemoReport;
      expect(written.ok).toBe(true);
      expect(written.book_mismatches).toBe(0);
      expect(report.books).toBe(20);
      // Every source replayed whole: the capture and LOBSTER files' own record counts.
      expect(Object.fromEntries(report.sources.map((s) => [s.exchange, s.inputs]))).toEqual({ NASDAQ: 500, BINANCE: 265, KRAKEN: 2148, COINBASE: 9946 });
      expect(report.published).toBeGreaterThan(12_000);
      expect(report.received).toBe(2 * report.published);
      expect(report.subscribers.map((s) => [s.name, s.books_compared, s.book_mismatches])).toEqual([['exact', 20, 0], ['wildcard', 20, 0]]);
      expect(report.latency_us.end_to_end?.count).toBe(report.received);
      const md = await readFile(path.join(dir, 'demo-report.md'), 'utf8');
      expect(md).toMatch(/\*\*0 book mismatches\*\* over 20 books/);
      // Production shape: each subscriber ran in its own process.
      expect(report.layout.filter((l) => /^subscriber ".*": own process \(pid \d+/.test(l))).toHaveLength(2);
      expect(report.layout.join('\n')).not.toContain(`subscriber "exact": own process (pid ${process.pid},`);
      // Thresholds are checked and the verdict is in the report; the picture sits beside the table.
      expect(report.thresholds.map((t) => t.name)).toEqual(['end-to-end p99', 'slow consumers']);
      expect(report.latency_ok).toBe(report.thresholds.every((t) => t.met));
      expect(md).toMatch(report.latency_ok ? /latency thresholds met/ : /latency thresholds MISSED\*\*: end-to-end p99 [\d,]+ µs > 2,000 µs, over by/);
      expect(md).toContain('![latency per hop, log scale](demo-latency.svg)');
      expect(await readFile(path.join(dir, 'demo-latency.svg'), 'utf8')).toMatch(/^<svg[\s\S]*end to end[\s\S]*e2e p99 limit[\s\S]*<\/svg>\n$/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('Ctrl-C during the demo removes the directory with the keys and stops every process it started', async () => {
    const child = spawn(process.execPath, [DSM_BIN, 'demo', '--no-view', '--no-dashboard', '--pace', 'recorded', '--report-dir', os.tmpdir()], { env: { ...process.env, DSM_LOG_FORMAT: 'json' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    const exited = new Promise((r) => child.once('exit', r));
    const deadline = Date.now() + 60_000;
    let dir: string | undefined;
    while (Date.now() < deadline) {
      dir ??= /"dir":"([^"]+dsm-demo-[^"]+)"/.exec(stderr)?.[1];
      // Running once the subscriber processes exist (they name the demo's config in their command line).
      if (dir && processesWith(path.join(dir, 'demo-config.json')).length >= 2) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(dir, stderr).toBeDefined();
    expect(existsSync(path.join(dir!, 'tls'))).toBe(true);
    child.kill('SIGINT');
    await exited;
    await new Promise((r) => setTimeout(r, 500));
    expect(existsSync(dir!)).toBe(false);
    expect(processesWith(dir!)).toEqual([]);
  }, 120_000);
});
