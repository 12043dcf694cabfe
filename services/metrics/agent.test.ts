import { loadConfig } from '../../config/load.js';
import { MetricsAgent, mergeHopSummaries } from './agent.js';

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
