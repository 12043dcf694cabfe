/**
 * Takes the README screenshot of the local dashboard during a real `dsm demo` run:
 *   npx tsx dashboards/local/screenshot.ts [out.png] [seconds-into-the-demo] [pace]
 * Needs Debian's chromium (/usr/bin/chromium).
 */
import path from 'node:path';
import { chromium } from 'playwright-core';
import { loadConfig } from '../../config/load.js';
import { runDemo } from '../../services/demo/demo.js';
import { parsePace } from '../../services/ingest/sources/pacing.js';
import { demoDashboard } from './demo-hook.js';

const out = path.resolve(process.argv[2] ?? 'docs/dashboard-local.png');
const afterS = Number(process.argv[3] ?? 10);
const paceText = process.argv[4] ?? 'recorded';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let shot: Promise<void> | undefined;
const hook = demoDashboard({
  onUrl: (url) => {
    shot = (async () => {
      const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ARGS });
      try {
        const page = await browser.newPage({ viewport: { width: 1400, height: 1250 } });
        await page.goto(url);
        await page.waitForFunction(() => (window as unknown as { __dsmReady?: boolean }).__dsmReady === true);
        await new Promise((r) => setTimeout(r, afterS * 1000));
        await page.screenshot({ path: out });
        process.stderr.write(`screenshot: ${out}\n`);
      } finally {
        await browser.close();
      }
    })();
  },
});

await runDemo({ config: loadConfig('local'), pace: parsePace(paceText), paceText, root: process.cwd(), reportDir: '/tmp', view: false, onReady: hook, follow: false });
await shot;
process.exit(0);
