/** The demo end to end, as `make demo` runs it (fast pace): every subscriber book equals the ingest's. */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../config/load.js';
import { runDemo } from '../services/demo/demo.js';
import type { DemoReport } from '../services/demo/report.js';

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
      expect(await readFile(path.join(dir, 'demo-report.md'), 'utf8')).toMatch(/\*\*0 book mismatches\*\* over 20 books/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
