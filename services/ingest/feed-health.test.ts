import { newSourceStats, type SourceStats, type SymbolHealth } from './feed-update.js';
import { SymbolHealthLog, feedHealthByExchange, placedSources, staleMsOf } from './feed-health.js';

const h = (over: Partial<SymbolHealth> = {}): SymbolHealth => ({ gaps: 0, recoveries: 0, attempts: 0, staleMs: 0, stale: false, ...over });
const live = (exchange: string, symbols: Record<string, SymbolHealth>): SourceStats => ({ ...newSourceStats(`${exchange.toLowerCase()}-ws ws://x`, exchange), symbols });

describe('feed health per exchange', () => {
  it('counts live symbols and the stale ones; a recorded feed reports 0 of 0', () => {
    const sources = [
      live('KRAKEN', { 'XBT/USD': h({ stale: true, gaps: 1, staleMs: 40 }), 'ETH/USD': h() }),
      live('KRAKEN', { 'SOL/USD': h({ stale: true, staleMs: 5 }) }),
      newSourceStats('lobster x', 'NASDAQ'),
    ];
    expect(feedHealthByExchange(sources)).toEqual({ KRAKEN: { symbols: 3, stale: 2 }, NASDAQ: { symbols: 0, stale: 0 } });
    expect(staleMsOf(sources[0]!)).toBe(40);
    expect(staleMsOf(sources[2]!)).toBe(0);
  });

  it('keys sources by where they run, so two workers\' connections to one venue stay apart', () => {
    const a = live('KRAKEN', {});
    const b = live('KRAKEN', {});
    expect(a.source).toBe(b.source);
    const kept = newSourceStats('lobster x', 'NASDAQ');
    const keys = placedSources([newSourceStats('lobster x', 'NASDAQ')], [{ worker: 0, sources: [a], kept: [kept] }, { worker: 1, sources: [b] }, { worker: 2 }]).map((p) => p.key);
    expect(keys).toEqual(['main\u0000NASDAQ\u0000lobster x', 'w0\u0000KRAKEN\u0000kraken-ws ws://x', 'w0-kept\u0000NASDAQ\u0000lobster x', 'w1\u0000KRAKEN\u0000kraken-ws ws://x']);
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe('SymbolHealthLog', () => {
  it('shows a symbol while stale and once after its counters moved, never a quiet healthy one', () => {
    const log = new SymbolHealthLog();
    expect(log.next([live('KRAKEN', { 'XBT/USD': h(), 'ETH/USD': h() })])).toEqual({ symbols: {}, omitted: 0 });
    const stale = h({ gaps: 1, attempts: 1, staleMs: 30, stale: true });
    expect(log.next([live('KRAKEN', { 'XBT/USD': stale, 'ETH/USD': h() })]).symbols).toEqual({ 'KRAKEN:XBT/USD': stale });
    // Still stale, nothing moved: still shown (it is the thing to look at).
    expect(log.next([live('KRAKEN', { 'XBT/USD': { ...stale, staleMs: 5030 }, 'ETH/USD': h() })]).symbols).toEqual({ 'KRAKEN:XBT/USD': { ...stale, staleMs: 5030 } });
    const back = h({ gaps: 1, attempts: 2, recoveries: 1, staleMs: 5100 });
    expect(log.next([live('KRAKEN', { 'XBT/USD': back, 'ETH/USD': h() })]).symbols).toEqual({ 'KRAKEN:XBT/USD': back });
    expect(log.next([live('KRAKEN', { 'XBT/USD': back, 'ETH/USD': h() })]).symbols).toEqual({});
  });

  it('stays bounded: stale first, longest stale first, and says how many it left out', () => {
    const log = new SymbolHealthLog(2);
    const line = log.next([live('BINANCE', {
      A: h({ gaps: 3, attempts: 3, recoveries: 3 }),
      B: h({ gaps: 1, attempts: 1, stale: true, staleMs: 10 }),
      C: h({ gaps: 1, attempts: 1, stale: true, staleMs: 900 }),
    })]);
    expect(Object.keys(line.symbols)).toEqual(['BINANCE:C', 'BINANCE:B']);
    expect(line.omitted).toBe(1);
  });
});
