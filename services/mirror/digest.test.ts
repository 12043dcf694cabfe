import { L2Book } from '../marketdata/book/l2-book.js';
import { bookDigest } from './digest.js';

const fmt = { priceDecimals: 2, sizeDecimals: 0 };

function book(levels: Array<['bid' | 'ask', number, number]>): L2Book {
  const b = new L2Book('X', 'Y', fmt);
  for (const [side, p, s] of levels) b.set(side, p, s);
  return b;
}

describe('bookDigest', () => {
  it('is equal for equal books, whatever order they were built in', () => {
    const a = book([['bid', 100, 5], ['bid', 99, 3], ['ask', 101, 2]]);
    const b = book([['ask', 101, 7], ['bid', 99, 3], ['ask', 101, 2], ['bid', 100, 5], ['bid', 98, 1], ['bid', 98, 0]]);
    expect(bookDigest(a)).toEqual(bookDigest(b));
    expect(bookDigest(a)).toMatchObject({ bids: 2, asks: 1 });
    expect(bookDigest(a).hash).toMatch(/^[0-9a-f]{16}$/);
  });

  it('differs for any change of size, price, side or an empty book', () => {
    const base = bookDigest(book([['bid', 100, 5], ['ask', 101, 2]])).hash;
    const variants = [
      book([['bid', 100, 6], ['ask', 101, 2]]),
      book([['bid', 100, 5], ['ask', 102, 2]]),
      book([['ask', 100, 5], ['ask', 101, 2]]),
      book([['bid', -100, 5], ['ask', 101, 2]]),
      book([['bid', 100, 5], ['ask', 101, 2 + 2 ** 40]]),
      book([]),
    ].map((b) => bookDigest(b).hash);
    expect(new Set([base, ...variants]).size).toBe(variants.length + 1);
  });
});
