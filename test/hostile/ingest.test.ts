/**
 * Hostile suite, feed input and worker death (issue 14): hostile venue lines are refused and
 * counted as malformed while every other symbol keeps publishing; a killed worker is reported,
 * restarted and its books rebuilt from venue snapshots, and subscribers end equal to the ingest;
 * an ingest whose feed cannot resend snapshots fails loudly instead of publishing half-books.
 */
import { IngestService } from '../../services/ingest/service.js';
import { compareBooks } from '../../services/pipeline/compare.js';
import { Subscriber } from '../../services/subscriber/subscriber.js';
import { startTestCluster, type TestCluster } from '../harness/cluster.js';
import { ScriptedSource } from './scripted-source.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const SYMBOLS = Array.from({ length: 16 }, (_, i) => `SYM${i}/USD`);

describe('hostile: feed input and worker death', () => {
  let tc: TestCluster;
  beforeAll(async () => { tc = await startTestCluster(); }, 60_000);
  afterAll(async () => { await tc?.stop(); });

  async function pipeline(src: ScriptedSource) {
    const ingest = new IngestService({ config: tc.config, tlsDir: tc.tlsDir, root: process.cwd(), pace: { mode: 'max' }, sources: [src], workers: 2, servers: [tc.clientUrls[0]!] });
    await ingest.start();
    const running = ingest.run();
    running.catch(() => undefined);
    const sub = await new Subscriber({ config: tc.config, tlsDir: tc.tlsDir, subjects: ['KRAKEN.*.orderbook'], servers: [tc.clientUrls[2]!] }).start();
    await sleep(300);
    for (const s of SYMBOLS) src.snapshot(s, [[100, 1], [99, 2]], [[101, 1], [102, 2]]);
    return { ingest, running, sub };
  }

  let tick = 0;
  function churn(src: ScriptedSource, rounds: number): void {
    for (let r = 0; r < rounds; r++) for (const s of SYMBOLS) { tick++; src.delta(s, tick % 2 ? 'bid' : 'ask', tick % 2 ? 90 + (tick % 9) : 103 + (tick % 9), tick); }
  }

  async function expectEqual(ingest: IngestService, sub: Subscriber, n = SYMBOLS.length): Promise<void> {
    const deadline = Date.now() + 30_000;
    let cmp: ReturnType<typeof compareBooks>;
    for (;;) {
      await sleep(200);
      cmp = compareBooks(await ingest.dump(), sub.mirrors, (e, sym) => e === 'KRAKEN' && SYMBOLS.includes(sym));
      if ((cmp.mismatches.length === 0 && cmp.compared === n) || Date.now() > deadline) break;
    }
    expect(cmp.compared).toBe(n);
    expect(cmp.mismatches).toEqual([]);
  }

  it('300- and 6,000-byte names and a lone surrogate are counted malformed; every other symbol keeps publishing', async () => {
    const src = new ScriptedSource('KRAKEN');
    const { ingest, sub } = await pipeline(src);
    try {
      churn(src, 3);
      await sleep(600); // worker stats refresh every 250 ms
      const publishedBefore = () => ingest.workerStats().reduce((a, w) => a + w.published, 0);
      const before = publishedBefore();
      src.raw({ kind: 'snapshot', symbol: 'X'.repeat(300), bids: [[1, 1]], asks: [] });
      src.raw({ kind: 'delta', symbol: 'Y'.repeat(6000), changes: [{ side: 'bid', price: 1, size: 1 }] });
      src.raw({ kind: 'delta', symbol: 'BTC\uD800/USD', changes: [{ side: 'bid', price: 1, size: 1 }] });
      src.raw({ kind: 'delta', symbol: 'SYM1/USD', changes: [{ side: 'bid', price: 1e300, size: 1 }] });
      churn(src, 3);
      await sleep(800);
      expect(src.stats.malformed).toBe(4);
      expect(ingest.malformed.get('KRAKEN')).toBe(4);
      expect(publishedBefore() - before).toBe(SYMBOLS.length * 3);
      expect(ingest.workerStats().every((w) => (w.restarts ?? 0) === 0)).toBe(true);
      await expectEqual(ingest, sub);
    } finally {
      src.end();
      await sub.close();
      await ingest.stop();
    }
  }, 60_000);

  it('an 80,000-level snapshot (above max_payload) goes out in parts, live and as a reply to a late joiner', async () => {
    const src = new ScriptedSource('KRAKEN');
    const { ingest, sub } = await pipeline(src);
    try {
      const bids = Array.from({ length: 40_000 }, (_, i): [number, number] => [50_000 - i, i + 1]);
      const asks = Array.from({ length: 40_000 }, (_, i): [number, number] => [50_001 + i, i + 1]);
      SYMBOLS.push('BIG/USD');
      src.snapshot('BIG/USD', bids, asks);
      churn(src, 2);
      await expectEqual(ingest, sub);
      expect(sub.mirrors.get('KRAKEN', 'BIG/USD')!.book.depth('bid')).toBeGreaterThanOrEqual(40_000);
      expect(ingest.workerStats().every((w) => (w.restarts ?? 0) === 0)).toBe(true);
      const late = await new Subscriber({ config: tc.config, tlsDir: tc.tlsDir, subjects: ['KRAKEN.BIG~2FUSD.orderbook'], servers: [tc.clientUrls[1]!] }).start();
      try {
        await sleep(200);
        src.delta('BIG/USD', 'ask', 50_001, 7); // the late joiner sees a delta, asks for a snapshot: two parts
        const deadline = Date.now() + 20_000;
        while (!late.mirrors.get('KRAKEN', 'BIG/USD')?.isLive && Date.now() < deadline) await sleep(100);
        const m = late.mirrors.get('KRAKEN', 'BIG/USD')!;
        expect(m.isLive).toBe(true);
        expect(m.book.depth('ask')).toBeGreaterThanOrEqual(40_000);
        expect(m.book.sizeAt('ask', 50_001)).toBe(7);
      } finally {
        await late.close();
      }
    } finally {
      SYMBOLS.pop();
      src.end();
      await sub.close();
      await ingest.stop();
    }
  }, 90_000);

  it('a killed worker is reported, restarted, rebuilt from venue snapshots, and subscribers end equal', async () => {
    const src = new ScriptedSource('KRAKEN');
    const { ingest, sub } = await pipeline(src);
    try {
      churn(src, 5);
      await expectEqual(ingest, sub);
      await ingest.killWorker(0);
      await sleep(100);
      churn(src, 5); // the feed goes on meanwhile
      const deadline = Date.now() + 20_000;
      while ((ingest.workerStats()[0]!.restarts ?? 0) < 1 && Date.now() < deadline) await sleep(50);
      expect(ingest.workerStats()[0]!.restarts).toBe(1);
      expect(src.snapshotRequests.length).toBe(1);
      expect(src.snapshotRequests[0]!.length).toBeGreaterThan(0);
      churn(src, 5);
      await expectEqual(ingest, sub);
    } finally {
      src.end();
      await sub.close();
      await ingest.stop();
    }
  }, 90_000);

  it('a worker that cannot be rebuilt (the feed cannot resend snapshots) fails the ingest', async () => {
    const src = new ScriptedSource('KRAKEN');
    src.canResend = false;
    const { ingest, running, sub } = await pipeline(src);
    try {
      churn(src, 2);
      await sleep(300);
      await ingest.killWorker(1);
      await expect(running).rejects.toThrow(/cannot resend snapshots/);
    } finally {
      src.end();
      await sub.close();
      await ingest.stop();
    }
  }, 60_000);
});
