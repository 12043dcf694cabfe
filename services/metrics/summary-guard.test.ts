import { loadConfig } from '../../config/load.js';
import { judgeSummary } from './summary-guard.js';

const cfg = loadConfig('local');
const ok = { service: 'sub-1', intervalMs: 1000, at: 1, hops: { end_to_end: { p50: 100, p99: 200, p999: 300, max: 299, count: 10 } }, exchanges: { NYSE: { received: 100 } }, subscriberSlow: 0 };
const subject = '_DSM.metrics.subscriber.subscriber.sub-1';
const judge = (body: unknown, subj: string | undefined = subject) => judgeSummary(cfg, JSON.stringify(body), subj);

describe('judgeSummary', () => {
  it('accepts an honest summary and says who sent it', () => {
    expect(judge(ok)).toMatchObject({ ok: true, identity: 'subscriber' });
    const kraken = cfg.exchanges.find((e) => e.name === 'KRAKEN')!.symbols.length;
    expect(judge({ ...ok, exchanges: { KRAKEN: { feedGaps: 1, feedRecoveries: 1, feedStaleMs: kraken * 1000 } }, feedHealth: { KRAKEN: { symbols: kraken, stale: kraken } } })).toMatchObject({ ok: true });
  });

  it.each([
    ['a subject of an unknown identity', ok, '_DSM.metrics.subscriber.mallory.sub-1', /not a configured identity/],
    ['a role the identity does not have', ok, '_DSM.metrics.ingest.subscriber.sub-1', /not a configured identity/],
    ['a service other than the subject names', { ...ok, service: 'ingest-1' }, subject, /names service/],
    ['a subject outside the scheme', ok, '_DSM.metrics.sub-1', /not _DSM\.metrics/],
    ['p99 of 60 s and more', { ...ok, hops: { end_to_end: { p50: 1, p99: 60_000_001, p999: 60_000_001, max: 60_000_001, count: 1 } } }, subject, /beyond/],
    ['max of 1e300', { ...ok, hops: { end_to_end: { p50: 1, p99: 1, p999: 1, max: 1e300, count: 1 } } }, subject, /beyond/],
    ['percentiles out of order', { ...ok, hops: { end_to_end: { p50: 500, p99: 200, p999: 300, max: 600, count: 1 } } }, subject, /order/],
    ['a rate of 4.5e28/s', { ...ok, exchanges: { NYSE: { received: 4.5e28 } } }, subject, /too big|beyond/i],
    ['a rate of 2e8/s', { ...ok, exchanges: { NYSE: { received: 2e8 } } }, subject, /beyond/],
    ['a made-up exchange', { ...ok, exchanges: { FAKE: { received: 1 } } }, subject, /not a configured exchange/],
    ['an interval of a nanosecond', { ...ok, intervalMs: 1e-6 }, subject, /intervalMs/],
    ['negative counts', { ...ok, exchanges: { NYSE: { gaps: -1 } } }, subject, /./],
    ['more stale time than the exchange\'s symbols could have', { ...ok, exchanges: { KRAKEN: { feedStaleMs: 10_000_000 } } }, subject, /feedStaleMs: .* more than its \d+ symbols/],
    ['more stale symbols than configured', { ...ok, feedHealth: { KRAKEN: { symbols: 99, stale: 1 } } }, subject, /feedHealth\.KRAKEN: .* the exchange has/],
    ['more stale symbols than tracked', { ...ok, feedHealth: { KRAKEN: { symbols: 1, stale: 2 } } }, subject, /feedHealth\.KRAKEN/],
    ['feed health of a made-up exchange', { ...ok, feedHealth: { FAKE: { symbols: 0, stale: 0 } } }, subject, /feedHealth: "FAKE" is not a configured exchange/],
  ])('rejects %s', (_what, body, subj, reason) => {
    const v = judge(body, subj);
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.reason).toMatch(reason);
  });

  it('rejects what is not JSON, and 1e400 (Infinity once parsed)', () => {
    expect(judgeSummary(cfg, 'not json', subject).ok).toBe(false);
    expect(judgeSummary(cfg, '{"service":"sub-1","intervalMs":1000,"at":1,"hops":{},"exchanges":{"NYSE":{"received":1e400}}}', subject).ok).toBe(false);
  });
});
