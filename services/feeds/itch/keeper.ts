/**
 * ITCH book keeping in the worker that owns the symbols: the ingest thread runs the MoldUDP64
 * session and the stock directory (ItchFeed with `keepBooks: false`) and routes each order event
 * here, where one order-by-order book per symbol aggregates into the L2 book that is published.
 */
import { L3Book } from '../../marketdata/book/l3-book.js';
import type { L2Book } from '../../marketdata/book/l2-book.js';
import type { BookEvent } from '../../marketdata/events.js';
import type { BookKeeper } from '../live.js';
import { emptySyncStats, result, type SyncResult, type SyncStats } from '../sync.js';
import { ITCH_FORMAT } from './messages.js';

export class ItchBookKeeper implements BookKeeper {
  private readonly books = new Map<string, L3Book>();
  private readonly stats: SyncStats = emptySyncStats();

  constructor(private readonly exchange: string) {}

  keep(data: unknown, _stamp: unknown, line?: number): SyncResult {
    const event = data as BookEvent;
    const out = result();
    if (event.type === 'status') return out;
    let book = this.books.get(event.symbol);
    if (!book) this.books.set(event.symbol, (book = new L3Book(this.exchange, event.symbol, ITCH_FORMAT)));
    const problem = book.apply(event);
    if (problem) out.problems.push(line === undefined || problem.at !== undefined ? problem : { ...problem, at: line });
    else this.stats.applied++;
    out.events.push(event);
    return out;
  }

  book(symbol: string): L2Book | undefined {
    return this.books.get(symbol)?.l2;
  }

  syncStats(): SyncStats {
    return this.stats;
  }
}
