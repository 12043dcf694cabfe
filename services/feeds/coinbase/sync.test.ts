import { join } from 'node:path';
import { formatLevels } from '../../marketdata/book/l2-book.js';
import { readCaptureFile } from '../capture/reader.js';
import { CaptureClock } from '../capture/stamp.js';
import { decodeCoinbaseFrame } from './decode.js';
import { CoinbaseSync } from './sync.js';

const CAPTURE = join(import.meta.dirname, '..', 'samples', 'captures', 'coinbase-level2-2021-04-17.ws.txt');
const STAMP = { recvMonoNs: 3, recvWallUs: 4 };

describe('CoinbaseSync over the real capture', () => {
  it('builds all 10 products from snapshot + l2update without ever crossing a book', async () => {
    const sync = new CoinbaseSync();
    const clock = new CaptureClock();
    let updates = 0;
    let tickersAgree = 0;
    let tickers = 0;
    for await (const { line, rec } of readCaptureFile(CAPTURE)) {
      if (rec.kind !== 'recv') continue;
      const f = decodeCoinbaseFrame(rec.frame);
      expect(f.kind).not.toBe('problem');
      if (f.kind === 'snapshot') expect(sync.onSnapshot(f, clock.stamp(rec.wallUs), line).problems).toEqual([]);
      if (f.kind === 'l2update') {
        const r = sync.onUpdate(f, clock.stamp(rec.wallUs), line);
        expect(r.problems).toEqual([]);
        updates++;
      }
      if (f.kind === 'ticker' && sync.book(f.product)) {
        const b = sync.book(f.product)!;
        tickers++;
        const [bid] = formatLevels([b.bestBid()!], b.format);
        const [ask] = formatLevels([b.bestAsk()!], b.format);
        if (bid![0] === f.bestBid && ask![0] === f.bestAsk) tickersAgree++;
      }
    }
    expect(sync.books()).toHaveLength(10);
    expect(updates).toBe(9719);
    expect(sync.stats.crossed).toBe(0);
    for (const b of sync.books()) {
      expect(b.isCrossed(), b.symbol).toBe(false);
      expect(b.bestBid()![0]).toBeLessThan(b.bestAsk()![0]);
    }
    // Per-product decimals come from the snapshot strings.
    expect(sync.book('BAND-GBP')!.format).toEqual({ priceDecimals: 4, sizeDecimals: 2 });
    expect(sync.book('DASH-BTC')!.format).toEqual({ priceDecimals: 8, sizeDecimals: 8 });
    // Tickers are not sequenced against level2 here; most still agree with the book on arrival.
    expect(tickers).toBe(107);
    expect(tickersAgree).toBeGreaterThan(90);
  });
});

describe('CoinbaseSync rules', () => {
  it('sets sizes, deletes on zero, tags events with a running sequence', () => {
    const sync = new CoinbaseSync();
    sync.onSnapshot({ kind: 'snapshot', product: 'BTC-USD', bids: [['55000.00', '1.5']], asks: [['55000.01', '2.0']] }, STAMP);
    const r = sync.onUpdate({ kind: 'l2update', product: 'BTC-USD', changes: [{ side: 'bid', price: '55000.00', size: '0.0' }, { side: 'bid', price: '54999.99', size: '0.3' }], timeUs: 9 }, STAMP);
    expect(r.events[0]).toMatchObject({ type: 'l2-update', exchange: 'COINBASE', symbol: 'BTC-USD', exchSeq: 2, exchTsUs: 9 });
    const b = sync.book('BTC-USD')!;
    expect(formatLevels(b.top('bid', 5), b.format)).toEqual([['54999.99', '0.3']]);
    expect(formatLevels(b.top('ask', 5), b.format)).toEqual([['55000.01', '2.0']]);
  });

  it('counts a crossed book and reports updates before a snapshot', () => {
    const sync = new CoinbaseSync();
    expect(sync.onUpdate({ kind: 'l2update', product: 'X', changes: [], timeUs: 0 }, STAMP).problems[0]!.kind).toBe('out-of-order');
    sync.onSnapshot({ kind: 'snapshot', product: 'X', bids: [['1.00', '1']], asks: [['2.00', '1']] }, STAMP);
    sync.onUpdate({ kind: 'l2update', product: 'X', changes: [{ side: 'bid', price: '2.50', size: '1' }], timeUs: 0 }, STAMP, 77);
    expect(sync.stats.crossed).toBe(1);
    expect(sync.crossings).toEqual([{ product: 'X', at: 77 }]);
  });
});
