/**
 * Hostile venue lines through a real venue adapter (Coinbase capture -> decoder -> sync -> ingest
 * workers -> cluster): product ids of 300 and 6,000 bytes and one with a lone UTF-16 surrogate
 * once killed the worker silently. Now they are counted as malformed and every other product
 * publishes exactly what it publishes from the same capture without them.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { IngestService } from '../../services/ingest/service.js';
import { FrameCaptureSource } from '../../services/ingest/sources/captures.js';
import { coinbaseLive } from '../../services/feeds/coinbase/live.js';
import { startTestCluster, type TestCluster } from '../harness/cluster.js';

const CAPTURE = 'services/feeds/samples/captures/coinbase-level2-2021-04-17.ws.txt';
const PRODUCTS = ['BAND-BTC', 'BAND-GBP', 'CRV-EUR', 'DASH-BTC', 'NMR-EUR', 'NU-GBP', 'SKL-BTC', 'SKL-GBP', 'SKL-USD', 'YFI-BTC'];

function hostileLines(at: string): string[] {
  const snap = (product: string) => `${at}: {"type":"snapshot","product_id":${product},"bids":[["1.00","1"]],"asks":[["2.00","1"]]}`;
  const update = (product: string) => `${at}: {"type":"l2update","product_id":${product},"changes":[["buy","1.50","3"]],"time":"2021-04-17T16:43:37.075687Z"}`;
  const names = [JSON.stringify('P'.repeat(300)), JSON.stringify('Q'.repeat(6000)), '"BTC-\\ud800"'];
  return names.flatMap((n) => [snap(n), update(n)]);
}

describe('hostile: venue lines through the Coinbase adapter', () => {
  let tc: TestCluster;
  let dir: string;
  beforeAll(async () => {
    tc = await startTestCluster();
    dir = await mkdtemp(path.join(os.tmpdir(), 'dsm-hostile-'));
  }, 60_000);
  afterAll(async () => {
    await tc?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function ingestFile(file: string) {
    const src = new FrameCaptureSource(file, coinbaseLive({ url: 'capture', products: PRODUCTS, exchange: 'COINBASE', resyncOnCrossed: false }), 'COINBASE');
    const ingest = new IngestService({ config: tc.config, tlsDir: tc.tlsDir, root: process.cwd(), pace: { mode: 'max' }, sources: [src], workers: 2, servers: [tc.clientUrls[0]!] });
    await ingest.start();
    const [stats] = await ingest.run();
    await new Promise((r) => setTimeout(r, 600)); // worker stats refresh every 250 ms
    const workers = ingest.workerStats();
    await ingest.stop();
    return { stats: stats!, malformed: ingest.malformed.get('COINBASE') ?? 0, published: workers.reduce((a, w) => a + w.published, 0), restarts: workers.reduce((a, w) => a + (w.restarts ?? 0), 0) };
  }

  it('counts them malformed while every real product publishes as without them', async () => {
    const lines = (await readFile(CAPTURE, 'utf8')).split('\n').slice(0, 400);
    const clean = path.join(dir, 'clean.ws.txt');
    const dirty = path.join(dir, 'dirty.ws.txt');
    await writeFile(clean, lines.join('\n'));
    // The hostile lines arrive in the middle of the real stream, stamped like their neighbours.
    const at = lines[200]!.split(': ')[0]!;
    await writeFile(dirty, [...lines.slice(0, 200), ...hostileLines(at), ...lines.slice(200)].join('\n'));
    const a = await ingestFile(clean);
    const b = await ingestFile(dirty);
    expect(a.published).toBeGreaterThan(50);
    expect(b.published).toBe(a.published);
    expect(b.malformed).toBe(6);
    expect(b.stats.malformed - a.stats.malformed).toBe(6);
    expect(b.restarts).toBe(0);
  }, 120_000);
});
