import { loadConfig } from '../../config/load.js';
import { MetricsAgent, mergeHopSummaries } from './agent.js';
import type { MetricPoint } from './points.js';

describe('mergeHopSummaries', () => {
  it('takes the worst tail and the count-weighted median across services', () => {
    expect(mergeHopSummaries([
      { p50: 100, p99: 400, p999: 900, max: 1000, count: 300 },
      { p50: 200, p99: 800, p999: 850, max: 5000, count: 100 },
      { p50: 999, p99: 999, p999: 999, max: 999, count: 0 },
    ])).toEqual({ p50: 125, p99: 800, p999: 900, max: 5000, count: 400 });
    expect(mergeHopSummaries([])).toBeUndefined();
  });
});

describe('MetricsAgent scope', () => {
  const cfg = loadConfig('local');
  it('publishes cluster sums only when it scrapes every node', () => {
    expect(new MetricsAgent(cfg).coversCluster).toBe(true);
    expect(new MetricsAgent(cfg, { nodes: [{ name: 'nats-2', monitorUrl: 'http://127.0.0.1:1' }] }).coversCluster).toBe(false);
  });

  it('counts a malformed summary instead of failing', () => {
    const agent = new MetricsAgent(cfg);
    agent.acceptSummary('{"service":"x"}');
    agent.acceptSummary(JSON.stringify({ service: 'ingest-1', intervalMs: 1000, at: 1, hops: {} }));
    expect(agent.stats.badSummaries).toBe(1);
  });
});

describe('MetricsAgent live recovery figures', () => {
  const cfg = loadConfig('local');
  const summary = (service: string, at: number, over: Record<string, unknown>) => JSON.stringify({ service, intervalMs: 1000, at, hops: {}, ...over });
  const subject = (service: string) => `_DSM.metrics.ingest.ingest.${service}`;

  it('sums recoveries and stale time per exchange and takes symbols stale as a level: the most any ingest reports, kept for 3 of its intervals', async () => {
    let now = 10_000;
    const seen: MetricPoint[][] = [];
    const agent = new MetricsAgent(cfg, { nodes: [], intervalMs: 1000, now: () => now, sinks: [{ write: (p) => seen.push([...p]) }] });
    const value = (metric: string, exchange: string) => seen.at(-1)!.find((p) => p.metric === metric && p.dimensions.Exchange === exchange)?.value;
    // A hot-standby pair: both run the Kraken feed; both lost XBT/USD, the standby also ETH/USD.
    expect(agent.acceptSummary(summary('ingest-a-feeds', now, { exchanges: { KRAKEN: { feedGaps: 1, feedRecoveries: 1, feedStaleMs: 1500 } }, feedHealth: { KRAKEN: { symbols: 3, stale: 1 }, NASDAQ: { symbols: 0, stale: 0 } } }), subject('ingest-a-feeds'))).toBe(true);
    expect(agent.acceptSummary(summary('ingest-b-feeds', now, { exchanges: { KRAKEN: { feedGaps: 2, feedRecoveries: 0, feedStaleMs: 500 } }, feedHealth: { KRAKEN: { symbols: 3, stale: 2 } } }), subject('ingest-b-feeds'))).toBe(true);
    await agent.tick();
    expect(value('feedGaps', 'KRAKEN')).toBe(3);
    expect(value('feedRecoveries', 'KRAKEN')).toBe(1);
    expect(value('feedStaleSeconds', 'KRAKEN')).toBe(2);
    expect(value('feedSymbolsStale', 'KRAKEN')).toBe(2);
    expect(value('feedSymbolsStale', 'NASDAQ')).toBe(0);
    // A tick without summaries still has the level; counts are not repeated.
    now += 1000;
    await agent.tick();
    expect(value('feedSymbolsStale', 'KRAKEN')).toBe(2);
    expect(value('feedRecoveries', 'KRAKEN')).toBeUndefined();
    // The standby recovered.
    now += 1000;
    agent.acceptSummary(summary('ingest-b-feeds', now, { feedHealth: { KRAKEN: { symbols: 3, stale: 0 } } }), subject('ingest-b-feeds'));
    await agent.tick();
    expect(value('feedSymbolsStale', 'KRAKEN')).toBe(1);
    // ingest-a went quiet: its report stands for 3 intervals, then no longer counts.
    now += 2500;
    agent.acceptSummary(summary('ingest-b-feeds', now, { feedHealth: { KRAKEN: { symbols: 3, stale: 0 } } }), subject('ingest-b-feeds'));
    await agent.tick();
    expect(value('feedSymbolsStale', 'KRAKEN')).toBe(0);
  });
});
