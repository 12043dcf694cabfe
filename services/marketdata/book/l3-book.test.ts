import type { BookEvent } from '../events.js';
import { L3Book } from './l3-book.js';

const FMT = { priceDecimals: 4, sizeDecimals: 0 };
const tags = { exchange: 'NASDAQ', symbol: 'AAPL', exchSeq: 0, exchTsUs: 0, recvMonoNs: 0, recvWallUs: 0 };

describe('L3Book', () => {
  it('aggregates orders into price levels through add, reduce, delete and replace', () => {
    const b = new L3Book('NASDAQ', 'AAPL', FMT);
    expect(b.add(1, 'bid', 1000, 100)).toBeUndefined();
    expect(b.add(2, 'bid', 1000, 50)).toBeUndefined();
    expect(b.add(3, 'bid', 999, 10)).toBeUndefined();
    expect(b.add(4, 'ask', 1001, 7)).toBeUndefined();
    expect(b.l2.snapshot()).toEqual({ bids: [[1000, 150], [999, 10]], asks: [[1001, 7]] });

    expect(b.reduce(1, 30)).toBeUndefined();
    expect(b.order(1)).toEqual({ side: 'bid', price: 1000, size: 70 });
    expect(b.l2.sizeAt('bid', 1000)).toBe(120);

    expect(b.reduce(4, 7)).toBeUndefined(); // fully executed: order and level gone
    expect(b.order(4)).toBeUndefined();
    expect(b.l2.depth('ask')).toBe(0);

    expect(b.delete(2)).toBeUndefined();
    expect(b.l2.sizeAt('bid', 1000)).toBe(70);

    expect(b.replace(3, 9, 1002, 5)).toBeUndefined();
    expect(b.order(3)).toBeUndefined();
    expect(b.order(9)).toEqual({ side: 'bid', price: 1002, size: 5 });
    expect(b.l2.snapshot()).toEqual({ bids: [[1002, 5], [1000, 70]], asks: [] });
    expect(b.orderCount).toBe(2);
  });

  it('reports unknown ids, duplicates, bad sizes and over-reductions instead of throwing', () => {
    const b = new L3Book('NASDAQ', 'AAPL', FMT);
    b.add(1, 'ask', 500, 10);
    expect(b.delete(42)?.kind).toBe('unknown-order');
    expect(b.reduce(42, 1)?.kind).toBe('unknown-order');
    expect(b.replace(42, 43, 1, 1)?.kind).toBe('unknown-order');
    expect(b.add(1, 'ask', 501, 1)?.kind).toBe('malformed');
    expect(b.add(2, 'ask', 501, -5)?.kind).toBe('negative-size');
    expect(b.reduce(1, -1)?.kind).toBe('negative-size');
    const over = b.reduce(1, 25);
    expect(over?.kind).toBe('malformed');
    expect(b.order(1)).toBeUndefined();
    expect(b.l2.depth('ask')).toBe(0);
  });

  it('accounts for orders placed before the book started by price level when the feed names it', () => {
    const b = new L3Book('NASDAQ', 'AAPL', FMT);
    b.l2.applySnapshot([[1000, 300]], []);
    expect(b.reduce(77, 100, { side: 'bid', price: 1000 })).toBeUndefined();
    expect(b.delete(78, { side: 'bid', price: 1000, size: 150 })).toBeUndefined();
    expect(b.l2.sizeAt('bid', 1000)).toBe(50);
    expect(b.levelFallbacks).toBe(2);
    expect(b.delete(79, { side: 'bid', price: 1000, size: 80 })?.kind).toBe('unknown-order'); // more than the level held
    expect(b.l2.depth('bid')).toBe(0);
  });

  it('leaves levels outside the gate alone but still tracks their orders', () => {
    const b = new L3Book('NASDAQ', 'AAPL', FMT, { levelGate: (side, price) => side === 'ask' || price >= 1000 });
    b.add(1, 'bid', 999, 10);
    b.add(2, 'bid', 1000, 10);
    expect(b.l2.snapshot()).toEqual({ bids: [[1000, 10]], asks: [] });
    expect(b.delete(1)).toBeUndefined();
    expect(b.orderCount).toBe(1);
  });

  it('applies normalized events and tags problems with the event sequence', () => {
    const b = new L3Book('NASDAQ', 'AAPL', FMT);
    const evs: BookEvent[] = [
      { ...tags, type: 'order-add', orderId: 5, side: 'ask', price: 10, size: 3 },
      { ...tags, type: 'order-reduce', orderId: 5, size: 1, reason: 'execute' },
      { ...tags, type: 'status', status: 'trading' },
    ];
    for (const e of evs) expect(b.apply(e)).toBeUndefined();
    expect(b.l2.bestAsk()).toEqual([10, 2]);
    expect(b.apply({ ...tags, exchSeq: 17, type: 'order-delete', orderId: 6 })).toEqual({ kind: 'unknown-order', detail: 'delete of unknown order 6', at: 17 });
  });
});
