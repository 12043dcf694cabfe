/**
 * The ingest's feeds summary: per exchange, feed events, gaps, recoveries and time stale as
 * interval deltas, and the symbols stale now, with live feeds running in several workers (each
 * opens its own connection to the venue, under the same source name).
 */
import type { NatsConnection } from 'nats';
import { loadConfig } from '../../config/load.js';
import type { ServiceSummary } from '../metrics/latency.js';
import { newSourceStats, type SourceStats, type SymbolHealth } from './feed-update.js';
import type { WorkerStats } from './protocol.js';
import type { IngestService } from './service.js';
import { IngestSummaries } from './summaries.js';

const cfg = loadConfig('local');
const h = (over: Partial<SymbolHealth> = {}): SymbolHealth => ({ gaps: 0, recoveries: 0, attempts: 0, staleMs: 0, stale: false, ...over });
function kraken(symbols: Record<string, SymbolHealth>, updates: number): SourceStats {
  const hs = Object.values(symbols);
  return { ...newSourceStats('kraken-ws ws://127.0.0.1:9001', 'KRAKEN'), updates, symbols, gaps: hs.reduce((a, x) => a + x.gaps, 0), resyncs: hs.reduce((a, x) => a + x.recoveries, 0) };
}
const worker = (w: number, sources: SourceStats[]): WorkerStats => ({ worker: w, updates: 0, published: 0, publishedBytes: 0, snapshotRequests: 0, symbols: 0, perExchange: {}, sources });

describe('IngestSummaries feeds summary', () => {
  const published: Array<{ subject: string; summary: ServiceSummary }> = [];
  const nc = { options: { inboxPrefix: '_INBOX.ingest' }, publish: (subject: string, data: string) => { published.push({ subject, summary: JSON.parse(data) as ServiceSummary }); } } as unknown as NatsConnection;
  let workers: WorkerStats[] = [];
  const ingest = { workerCount: 2, sources: [], workerStats: () => workers } as unknown as IngestService;

  it('counts each worker\'s connection apart and reports recoveries, stale time and symbols stale', () => {
    const summaries = new IngestSummaries(nc, cfg, ingest, 'ingest-a', 1000);
    const feeds = () => published.filter((p) => p.subject === '_DSM.metrics.ingest.ingest.ingest-a-feeds').at(-1)!.summary;
    workers = [worker(0, [kraken({ 'XBT/USD': h() }, 100)]), worker(1, [kraken({ 'ETH/USD': h() }, 40)])];
    summaries.flush();
    expect(feeds().exchanges.KRAKEN).toEqual({ ingestEvents: 140, malformed: 0, feedGaps: 0, feedRecoveries: 0, feedStaleMs: 0 });
    expect(feeds().feedHealth).toEqual({ KRAKEN: { symbols: 2, stale: 0 } });

    // Worker 1's book lost sync and is stale for 250 ms so far.
    workers = [worker(0, [kraken({ 'XBT/USD': h() }, 110)]), worker(1, [kraken({ 'ETH/USD': h({ gaps: 1, attempts: 1, staleMs: 250, stale: true }) }, 45)])];
    summaries.flush();
    expect(feeds().exchanges.KRAKEN).toEqual({ ingestEvents: 15, malformed: 0, feedGaps: 1, feedRecoveries: 0, feedStaleMs: 250 });
    expect(feeds().feedHealth).toEqual({ KRAKEN: { symbols: 2, stale: 1 } });

    // Recovered after 300 ms in all; nothing else happened.
    workers = [worker(0, [kraken({ 'XBT/USD': h() }, 110)]), worker(1, [kraken({ 'ETH/USD': h({ gaps: 1, attempts: 1, recoveries: 1, staleMs: 300 }) }, 46)])];
    summaries.flush();
    expect(feeds().exchanges.KRAKEN).toEqual({ ingestEvents: 1, malformed: 0, feedGaps: 0, feedRecoveries: 1, feedStaleMs: 50 });
    expect(feeds().feedHealth).toEqual({ KRAKEN: { symbols: 2, stale: 0 } });

    // Quiet: zeros, not the other worker's figures (the same source name must not share a baseline).
    summaries.flush();
    expect(feeds().exchanges.KRAKEN).toEqual({ ingestEvents: 0, malformed: 0, feedGaps: 0, feedRecoveries: 0, feedStaleMs: 0 });
  });
});
