/**
 * What both Coinbase syncs (legacy level2 and Advanced Trade) keep per product: its book, if a
 * snapshot built one, and whether it waits for the next snapshot. Pure.
 */
import type { L2Book } from '../../marketdata/book/l2-book.js';

export interface ProductBook {
  book?: L2Book;
  /** Lost sync (a gap, a crossed book, a reconnect): updates are dropped until a snapshot. */
  waiting: boolean;
}

export class ProductBooks<S extends ProductBook> {
  protected readonly products = new Map<string, S>();

  book(product: string): L2Book | undefined {
    return this.products.get(product)?.book;
  }

  books(): L2Book[] {
    return [...this.products.values()].flatMap((s) => (s.book ? [s.book] : []));
  }

  needsSnapshot(product: string): boolean {
    const st = this.products.get(product);
    return !st?.book || st.waiting;
  }

  /** A reconnect may have lost updates: drop updates until the next snapshot (a resync). */
  invalidate(product: string): void {
    const st = this.products.get(product);
    if (st?.book) st.waiting = true;
  }
}
