/**
 * The local live dashboard in a real browser (Debian's headless Chromium driven by playwright-core)
 * during a short run with traffic: the page must draw the overview panels from live agent data.
 * DSM_SCREENSHOT=path writes a screenshot there (docs/dashboard-local.png is made this way).
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { startTestCluster, type TestCluster } from '../harness/cluster.js';
import { startLocalDashboard, type LocalDashboardServer } from '../../dashboards/local/server.js';
import { MetricsAgent } from '../../services/metrics/agent.js';
import { SummaryPublisher } from '../../services/metrics/summary-publisher.js';
import { publishAtRate, type Load } from './load.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

// Skipped (visibly) on a workstation without Debian's chromium; in CI (CI=true) a missing browser fails.
if (process.env.CI && !existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: the Makefile's system deps must install chromium`);

describe.skipIf(!existsSync(CHROMIUM))('local live dashboard in Chromium', () => {
  let tc: TestCluster;
  let agent: MetricsAgent;
  let server: LocalDashboardServer;
  let browser: Browser;
  const loads: Load[] = [];
  const publishers: SummaryPublisher[] = [];

  beforeAll(async () => {
    tc = await startTestCluster();
    const ops = await tc.connect('ops', { servers: [tc.clientUrls[2]!] });
    agent = new MetricsAgent(tc.config, { nc: ops, intervalMs: 500 });
    await agent.start();
    server = await startLocalDashboard(tc.config, agent, { port: 0 });

    // Traffic: an ingest publisher on nats-1, a subscriber on nats-2 timing each message it gets.
    const ingest = await tc.connect('ingest', { servers: [tc.clientUrls[0]!] });
    const sub = await tc.connect('subscriber', { servers: [tc.clientUrls[1]!] });
    const ingestStats = new SummaryPublisher(ingest, tc.config, { service: 'ingest-1', intervalMs: 500 }).start();
    const subStats = new SummaryPublisher(sub, tc.config, { service: 'subscriber-1', intervalMs: 500 }).start();
    publishers.push(ingestStats, subStats);
    sub.subscribe('NASDAQ.*.orderbook', {
      callback: (_err, msg) => {
        // Same process, same monotonic clock: the payload carries the publish time in µs.
        const sentMicros = new DataView(msg.data.buffer, msg.data.byteOffset).getFloat64(0);
        const micros = performance.now() * 1000 - sentMicros;
        subStats.latency.record('publish_to_subscriber', micros);
        subStats.latency.record('end_to_end', micros + 40);
        subStats.counters.count('NASDAQ', 'received');
      },
    });
    await sub.flush();
    let n = 0;
    const timer = setInterval(() => {
      for (let i = 0; i < 10; i++) {
        const t0 = performance.now();
        const payload = new Uint8Array(64);
        const view = new DataView(payload.buffer);
        view.setFloat64(0, performance.now() * 1000);
        ingest.publish('NASDAQ.AAPL.orderbook', payload);
        ingestStats.latency.record('ingest_to_publish', (performance.now() - t0) * 1000 + 5);
        ingestStats.counters.count('NASDAQ', 'ingestEvents');
        ingestStats.counters.count('NASDAQ', 'published');
        n++;
      }
    }, 5);
    loads.push({ sent: () => n, setRate: () => undefined, stop: async () => clearInterval(timer) });
    const other = await tc.connect('ingest', { servers: [tc.clientUrls[2]!] });
    loads.push(publishAtRate(other, 'KRAKEN.XBT.orderbook', 800));

    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  });

  afterAll(async () => {
    await browser?.close();
    for (const l of loads) await l.stop();
    for (const p of publishers) await p.stop();
    await server?.close();
    await agent?.stop();
    await tc?.stop();
  });

  it('draws every local panel with live data', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1700 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(server.url);
    await page.waitForFunction(() => (window as unknown as { __dsmReady?: boolean }).__dsmReady === true, undefined, { timeout: 15_000 });
    const overview = `${tc.config.nats.clusterName}-overview`;
    // Wait until the busiest panels hold several ticks of data.
    await page.waitForFunction((id) => {
      const s = (window as unknown as { __dsmSeries: Record<string, number> }).__dsmSeries;
      return Object.entries(s).filter(([k]) => k.startsWith(id)).every(([, n]) => n >= 6);
    }, overview, { timeout: 30_000, polling: 250 });

    const series = await page.evaluate(() => (window as unknown as { __dsmSeries: Record<string, number> }).__dsmSeries);
    const titles = await page.$$eval('.panel h3', (hs) => hs.map((h) => h.textContent));
    expect(titles).toEqual(expect.arrayContaining(['Latency end to end (µs)', 'Messages in per node (msg/s)', 'Routes per node (count)', 'Subscriber ASG desired vs in service (instances)']));
    const overviewPanels = Object.keys(series).filter((k) => k.startsWith(overview));
    expect(overviewPanels.length).toBeGreaterThanOrEqual(10);
    for (const id of overviewPanels) expect(series[id], id).toBeGreaterThanOrEqual(6);
    // The per-exchange view shows the traffic we reported for NASDAQ.
    const nasdaqFlow = await page.$eval(`[id^="${tc.config.nats.clusterName}-exchanges"] h3`, (h) => h.textContent);
    expect(nasdaqFlow).toBeTruthy();

    // The canvases really have ink on them: count non-background pixels of the message-rate chart.
    const inked = await page.evaluate(() => {
      const panel = Array.from(document.querySelectorAll('.panel')).find((p) => p.querySelector('h3')?.textContent?.startsWith('Messages in per node'));
      const canvas = panel?.querySelector('canvas') as HTMLCanvasElement | null;
      if (!canvas) return -1;
      const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
      let n = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) n++;
      return n;
    });
    expect(inked).toBeGreaterThan(500);
    // AWS-only panels say so instead of drawing nothing.
    expect(await page.textContent('body')).toContain('CloudWatch only');
    expect(errors).toEqual([]);

    const shot = process.env.DSM_SCREENSHOT ?? path.join(os.tmpdir(), 'dsm-dashboard-local.png');
    await page.screenshot({ path: shot, fullPage: false });
    expect(existsSync(shot)).toBe(true);
  });

  it('serves uPlot from node_modules and the panel list as JSON', async () => {
    const js = await fetch(new URL('/uplot/uPlot.iife.min.js', server.url));
    expect(js.status).toBe(200);
    expect(await js.text()).toContain('uPlot');
    const meta = (await (await fetch(new URL('/api/dashboards', server.url))).json()) as { dashboards: Array<{ name: string; panels: unknown[] }> };
    expect(meta.dashboards.map((d) => d.name)).toEqual([`${tc.config.nats.clusterName}-overview`, `${tc.config.nats.clusterName}-exchanges`]);
    expect((await fetch(new URL('/nope', server.url))).status).toBe(404);
  });
});
