import { ConsolidatedBbo, type ConsolidatedQuote, type InstrumentMap } from './consolidated.js';
import { MirrorSet } from './mirror-set.js';
import { lvl, TestPublisher } from './test-feed.js';

const map: InstrumentMap = {
  'BTC-USD': [
    { exchange: 'BINANCE', symbol: 'BTCUSDT' },
    { exchange: 'KRAKEN', symbol: 'XBT/USD' },
    { exchange: 'COINBASE', symbol: 'BTC-USD' },
  ],
};

/** One instrument on three venues, each with its own price decimals, all quoting. */
function setup() {
  const binance = new TestPublisher('BINANCE', 'BTCUSDT', { priceDecimals: 2, sizeDecimals: 8 });
  const kraken = new TestPublisher('KRAKEN', 'XBT/USD', { priceDecimals: 1, sizeDecimals: 8 });
  const coinbase = new TestPublisher('COINBASE', 'BTC-USD', { priceDecimals: 8, sizeDecimals: 8 });
  const set = new MirrorSet();
  const changes: ConsolidatedQuote[] = [];
  const bbo = new ConsolidatedBbo(map, set, (q) => changes.push(q));
  const feed = (pub: TestPublisher, m = pub.publish([])) => {
    set.handle(m);
    return bbo.update(m.exchange, m.symbol);
  };
  feed(binance, binance.publish([lvl('bid', 6_500_012, 50_000_000), lvl('ask', 6_500_020, 10_000_000)])); // 65000.12 / 65000.20
  feed(kraken, kraken.publish([lvl('bid', 650_001, 200_000_000), lvl('ask', 650_002, 30_000_000)])); // 65000.1 / 65000.2
  feed(coinbase, coinbase.publish([lvl('bid', 6_500_012_000_000, 7), lvl('ask', 6_500_019_990_000, 1_000)])); // 65000.12 / 65000.1999
  return { set, bbo, changes, feed, binance, kraken, coinbase };
}

describe('ConsolidatedBbo', () => {
  it('finds the best bid and offer across venues with different decimals, exactly, with attribution', () => {
    const { bbo, changes } = setup();
    expect(changes).toHaveLength(3);
    const q = bbo.quote('BTC-USD')!;
    expect(q.bid?.price).toBe('65000.12');
    expect(q.bid?.venues.map((v) => [v.exchange, v.priceText, v.sizeText])).toEqual([
      ['BINANCE', '65000.12', '0.50000000'],
      ['COINBASE', '65000.12000000', '0.00000007'],
    ]);
    expect(q.ask?.price).toBe('65000.19990000');
    expect(q.ask?.venues.map((v) => v.exchange)).toEqual(['COINBASE']);
    expect(q).toMatchObject({ crossed: false, locked: false, liveVenues: 3 });
  });

  it('flags locked and crossed markets and follows every top-of-book change', () => {
    const { bbo, feed, changes, kraken, coinbase } = setup();
    const before = changes.length;
    feed(kraken, kraken.publish([lvl('bid', 650_001, 0), lvl('bid', 650_002, 1)])); // kraken bids 65000.2 = binance's ask
    expect(bbo.quote('BTC-USD')).toMatchObject({ locked: false, crossed: true }); // coinbase asks 65000.1999
    expect(bbo.quote('BTC-USD')!.bid!.venues.map((v) => v.exchange)).toEqual(['KRAKEN']);
    feed(coinbase, coinbase.publish([lvl('ask', 6_500_019_990_000, 0), lvl('ask', 6_500_030_000_000, 5)]));
    expect(bbo.quote('BTC-USD')).toMatchObject({ locked: true, crossed: false });
    expect(bbo.quote('BTC-USD')!.ask!.venues.map((v) => v.exchange)).toEqual(['BINANCE', 'KRAKEN']);
    expect(changes.length).toBe(before + 2);
  });

  it('ignores updates that leave the top unchanged', () => {
    const { feed, changes, binance } = setup();
    expect(feed(binance, binance.publish([lvl('bid', 6_400_000, 1)]))).toBe(false); // below the best bid
    expect(feed(binance, binance.publish([lvl('ask', 6_500_020, 3)]))).toBe(true); // size at the best ask
    expect(changes).toHaveLength(4);
  });

  it('drops a venue whose mirror is awaiting a snapshot and brings it back after resync', () => {
    const { bbo, feed, coinbase } = setup();
    expect(bbo.quote('BTC-USD')!.liveVenues).toBe(3);
    coinbase.publish([lvl('ask', 6_500_030_000_000, 0)]); // lost
    expect(feed(coinbase, coinbase.publish([lvl('bid', 6_600_000_000_000, 1)]))).toBe(true);
    const q = bbo.quote('BTC-USD')!;
    expect(q.liveVenues).toBe(2);
    expect(q.bid!.venues.map((v) => v.exchange)).toEqual(['BINANCE']); // coinbase's 65000.12 tie is gone
    feed(coinbase, coinbase.snapshot());
    expect(bbo.quote('BTC-USD')!.liveVenues).toBe(3);
    expect(bbo.quote('BTC-USD')!.bid!.price).toBe('66000.00000000');
  });

  it('knows nothing of venues outside its map', () => {
    const { bbo } = setup();
    expect(bbo.update('NYSE', 'IBM')).toBe(false);
    expect(bbo.quotes().map((q) => q.instrument)).toEqual(['BTC-USD']);
  });
});
