import { UsageError } from '../exit.js';
import { compareWithReport, type SubscriberReport } from './venue-peer.js';

const peer = { symbol: 'XBT/USD', bids: [['99.99', '1.50000000'], ['99.98', '2.00000000']] as Array<[string, string]>, asks: [['100.00', '3.00000000']] as Array<[string, string]> };
const book = (over: Partial<SubscriberReport['books'][number]> = {}): SubscriberReport['books'][number] => ({
  exchange: 'KRAKEN', symbol: 'XBT/USD', seq: 42, live: true, stale: false, format: { priceDecimals: 2, sizeDecimals: 8 },
  bids: [[9999, 150_000_000], [9998, 200_000_000]], asks: [[10_000, 300_000_000]], ...over,
});

describe('dsm venue-peer book --against', () => {
  it('equal books say so, with the seq', () => {
    expect(compareWithReport(peer, { books: [book()] }, 'r.json')).toMatchObject({ key: 'KRAKEN:XBT/USD', equal: true, line: 'KRAKEN:XBT/USD: the subscriber\'s book equals the peer\'s (2 bids, 1 asks, seq 42)' });
  });

  it('names the first differing level in the venue\'s decimals, a missing level, and a stale book', () => {
    expect(compareWithReport(peer, { books: [book({ bids: [[9999, 150_000_000], [9998, 100_000_000]] })] }, 'r.json').line)
      .toBe('KRAKEN:XBT/USD: bids differ at level 2: subscriber ["99.98","1.00000000"], peer ["99.98","2.00000000"] (seq 42)');
    expect(compareWithReport(peer, { books: [book({ asks: [] })] }, 'r.json').line).toMatch(/asks differ at level 1: subscriber null, peer \["100.00","3.00000000"\]/);
    expect(compareWithReport(peer, { books: [book({ stale: true })] }, 'r.json')).toMatchObject({ equal: false, line: expect.stringMatching(/marked STALE/) });
  });

  it('asks which exchange when two have the symbol, and says what the report has when none does', () => {
    const two = { books: [book(), book({ exchange: 'KRAKEN2' })] };
    expect(() => compareWithReport(peer, two, 'r.json')).toThrow(UsageError);
    expect(() => compareWithReport(peer, two, 'r.json')).toThrow(/book of KRAKEN and KRAKEN2; pick one with --exchange/);
    expect(compareWithReport(peer, two, 'r.json', 'KRAKEN2').key).toBe('KRAKEN2:XBT/USD');
    expect(() => compareWithReport({ ...peer, symbol: 'ETH/USD' }, two, 'r.json')).toThrow(/no book of ETH\/USD \(it has KRAKEN:XBT\/USD, KRAKEN2:XBT\/USD\)/);
  });
});
