/**
 * A short, stable fingerprint of an L2 book, so processes can check that their books agree
 * (the demo and the drills compare every subscriber's books with the ingest's) without
 * shipping whole books around. Two books have equal digests iff they have the same levels,
 * up to 64-bit hash collisions.
 */
import type { L2Book } from '../marketdata/book/l2-book.js';
import type { Side } from '../marketdata/events.js';

const TWO_32 = 4_294_967_296;

export interface BookDigest {
  bids: number;
  asks: number;
  /** 16 hex digits: two independent 32-bit FNV-1a hashes over every level, best first. */
  hash: string;
}

export function bookDigest(book: L2Book): BookDigest {
  const h = { a: 0x811c9dc5, b: 0x050c5d1f };
  for (const side of ['bid', 'ask'] as const satisfies readonly Side[]) {
    const n = book.depth(side);
    mix(h, side === 'bid' ? 1 : 2);
    mix(h, n);
    for (let r = 0; r < n; r++) {
      mixNumber(h, book.priceAt(side, r)!);
      mixNumber(h, book.sizeAtRank(side, r)!);
    }
  }
  const hex = (x: number) => (x >>> 0).toString(16).padStart(8, '0');
  return { bids: book.depth('bid'), asks: book.depth('ask'), hash: hex(h.a) + hex(h.b) };
}

function mixNumber(h: { a: number; b: number }, v: number): void {
  const lo = v >>> 0;
  mix(h, lo);
  mix(h, (v - lo) / TWO_32);
}

function mix(h: { a: number; b: number }, word: number): void {
  for (let i = 0; i < 4; i++) {
    const byte = (word >>> (i * 8)) & 0xff;
    h.a = Math.imul(h.a ^ byte, 0x01000193);
    h.b = Math.imul(h.b ^ byte, 0x01000193) ^ (h.b >>> 15);
  }
}
