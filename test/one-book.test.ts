/**
 * One book per symbol, applied once, in the worker that owns it (issue 13). Recorded venues
 * (LOBSTER, Binance, Kraken, Coinbase captures) and ITCH decode on the ingest thread and keep no
 * book there: every update they hand on is a decoded input, and the book the publish engine
 * publishes is the venue keeper's own book object, judged by the venue's own ground truth
 * (Kraken's checksums, LOBSTER's orderbook file). Through real ingest workers and a cluster the
 * published books equal those, and the source's report still carries the venue's counters.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ExchangeConfig } from '../config/schema.js';
import { encodeItch, stockDirectory } from '../services/feeds/itch/codec.js';
import type { ItchMessage } from '../services/feeds/itch/messages.js';
import { venueNamed } from '../services/feeds/registry.js';
import type { FeedUpdate, SourceStats } from '../services/ingest/feed-update.js';
import { KeptBooks } from '../services/ingest/kept-books.js';
import { PublishEngine, type BookDump } from '../services/ingest/publish-engine.js';
import { IngestService } from '../services/ingest/service.js';
import { isRecorded, sourceFor } from '../services/ingest/sources/index.js';
import { startTestCluster, testConfig, type TestCluster } from './harness/cluster.js';

const ROOT = process.cwd();
const h = (stockLocate: number, t: number) => ({ stockLocate, trackingNumber: 0, timestampNs: t });
const ITCH_SESSION: ItchMessage[] = [
  stockDirectory(7, 'AAPL', 1),
  stockDirectory(8, 'MSFT', 2),
  { type: 'A', ...h(7, 3), orderRef: 1, side: 'B', shares: 100, stock: 'AAPL', price: 1_500_000 },
  { type: 'A', ...h(8, 4), orderRef: 2, side: 'S', shares: 200, stock: 'MSFT', price: 3_100_000 },
  { type: 'A', ...h(7, 5), orderRef: 3, side: 'S', shares: 300, stock: 'AAPL', price: 1_500_100 },
  { type: 'E', ...h(7, 6), orderRef: 1, executedShares: 40, matchNumber: 1 },
  { type: 'U', ...h(8, 7), originalOrderRef: 2, newOrderRef: 4, shares: 250, price: 3_099_900 },
  { type: 'D', ...h(7, 8), orderRef: 3 },
];

/** What an owning worker does with a decoding source's inputs, in this thread, with no NATS. */
async function keepInline(updates: AsyncIterable<FeedUpdate>) {
  const kept = new KeptBooks((venue, exchange) => venueNamed(venue)?.keeper?.(exchange));
  const engine = new PublishEngine({ epoch: 1, dataSuffix: 'orderbook', snapshotDepth: 1000 });
  const kinds = new Set<string>();
  let published = 0;
  for await (const u of updates) {
    kinds.add(u.kind);
    if (u.kind !== 'input') continue;
    kept.take(u, (_stats, x) => { if (engine.apply(x)) published++; });
  }
  return { kept, engine, kinds, published };
}

const byBook = (books: BookDump[]) => new Map(books.map((b) => [`${b.exchange}/${b.symbol}`, { bids: b.bids, asks: b.asks }]));

describe('one book per symbol, kept where it is published', () => {
  let dir: string;
  let itchExchange: ExchangeConfig;
  let recorded: ExchangeConfig[];
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'dsm-one-book-'));
    const itchFile = path.join(dir, 'session.itch');
    await writeFile(itchFile, Buffer.concat(ITCH_SESSION.map((m) => {
      const body = encodeItch(m);
      const len = Buffer.alloc(2);
      len.writeUInt16BE(body.length);
      return Buffer.concat([len, body]);
    })));
    itchExchange = { name: 'NASDAQ', symbols: ['AAPL', 'MSFT'], feed: { kind: 'itch-file', path: itchFile } } as ExchangeConfig;
    recorded = (await testConfig()).exchanges.filter(isRecorded);
  });
  afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

  it('every recorded venue hands on decoded inputs only, and the published book is the keeper\'s own', async () => {
    expect(recorded.map((e) => e.feed.kind).sort()).toEqual(['binance-capture', 'coinbase-capture', 'kraken-capture', 'lobster']);
    for (const ex of [...recorded, itchExchange]) {
      const src = sourceFor(ex, ROOT);
      const { kept, engine, kinds, published } = await keepInline(src.updates());
      // The old sources applied each change to a book of their own and handed on its deltas.
      expect([...kinds], ex.name).toEqual(['input']);
      expect(published, ex.name).toBeGreaterThan(0);
      const states = [...engine.states()];
      expect(states.length, ex.name).toBeGreaterThan(0);
      for (const st of states) expect(st.book, `${ex.name} ${st.book.symbol}`).toBe(kept.book(st.book.exchange, st.book.symbol));
      const [stats] = kept.stats();
      if (ex.feed.kind === 'kraken-capture') {
        const m = /checksums: (\d+)\/(\d+) matched/.exec(stats!.notes.join('\n'));
        expect(m, stats!.notes.join('\n')).not.toBeNull();
        expect(Number(m![2])).toBeGreaterThan(100);
        expect(m![1]).toBe(m![2]);
      }
      if (ex.feed.kind === 'lobster') {
        const m = /(\d+)\/(\d+) rows match the orderbook file/.exec(stats!.notes.join('\n'));
        expect(m, stats!.notes.join('\n')).not.toBeNull();
        expect(m![1]).toBe(m![2]);
      }
      if (ex.feed.kind === 'itch-file') {
        // The source ran the session and the directory only.
        const aapl = kept.book('NASDAQ', 'AAPL')!;
        expect(aapl.top('bid', 5)).toEqual([[1_500_000, 60]]);
        expect(aapl.top('ask', 5)).toEqual([]);
        expect(kept.book('NASDAQ', 'MSFT')!.top('ask', 5)).toEqual([[3_099_900, 250]]);
      }
    }
  }, 60_000);

  describe('through ingest workers and a cluster', () => {
    let tc: TestCluster;
    beforeAll(async () => { tc = await startTestCluster(); }, 60_000);
    afterAll(async () => { await tc?.stop(); });

    it('publishes the same books from two workers and reports the venues\' counters on the source', async () => {
      const expected = new Map<string, { bids: unknown; asks: unknown }>();
      for (const ex of recorded) for (const [k, v] of byBook((await keepInline(sourceFor(ex, ROOT).updates())).engine.dump())) expected.set(k, v);
      const ended: SourceStats[] = [];
      const ingest = new IngestService({
        config: { ...tc.config, exchanges: recorded }, tlsDir: tc.tlsDir, root: ROOT, pace: { mode: 'max' }, workers: 2,
        servers: [tc.clientUrls[0]!], onSourceEnd: (s) => ended.push(s),
      });
      await ingest.start();
      try {
        const stats = await ingest.run();
        const got = byBook(await ingest.dump());
        expect([...got.keys()].sort()).toEqual([...expected.keys()].sort());
        for (const [k, v] of expected) expect(got.get(k), k).toEqual(v);
        const kraken = stats.find((s) => s.exchange === recorded.find((e) => e.feed.kind === 'kraken-capture')!.name)!;
        // Decoded on this thread, kept in two workers: the checksum results are added up from both.
        expect(kraken.notes.join('\n')).toMatch(/checksums: (\d+)\/\1 matched/);
        expect(kraken.updates).toBeGreaterThan(100);
        const lobster = stats.find((s) => s.exchange === recorded.find((e) => e.feed.kind === 'lobster')!.name)!;
        expect(lobster.notes.join('\n')).toMatch(/(\d+)\/\1 rows match the orderbook file/);
        expect(ended.map((s) => s.exchange).sort()).toEqual(recorded.map((e) => e.name).sort());
        expect(ended.every((s) => s.updates > 0)).toBe(true);
      } finally {
        await ingest.stop();
      }
    }, 120_000);

    it('an ingest stopped while a recording still plays ends its run (a source finishing after the workers stopped)', async () => {
      // A live feed on the ingest thread never ends by itself: its run ends when stop() aborts it,
      // and then asks the stopped workers for their final counts. That request went unanswered.
      const ingest = new IngestService({
        config: { ...tc.config, exchanges: recorded }, tlsDir: tc.tlsDir, root: ROOT, pace: { mode: 'recorded' }, workers: 2,
        servers: [tc.clientUrls[0]!],
      });
      await ingest.start();
      const running = ingest.run();
      await new Promise((r) => setTimeout(r, 300));
      await ingest.stop();
      const ended = await Promise.race([running.then(() => 'ended'), new Promise((r) => setTimeout(() => r('still running 10 s after stop()'), 10_000))]);
      expect(ended).toBe('ended');
    }, 60_000);
  });
});
