/**
 * LOBSTER book keeping in the ingest worker that owns the symbol: the ingest thread reads and
 * parses the two files and routes each row (message + orderbook row) here, where the one book is
 * seeded, moved by the message, checked against the row and filled, then published.
 */
import type { L2Book } from '../../marketdata/book/l2-book.js';
import type { BookKeeper } from '../live.js';
import { emptySyncStats, result, type RecvStamp, type SyncResult, type SyncStats } from '../sync.js';
import type { LobsterBookRow, LobsterMessage } from './parse.js';
import { LobsterStepper } from './replay.js';

/** One row of a LOBSTER session as it crosses to the owning worker. */
export interface LobsterInput {
  symbol: string;
  row: number;
  msg?: LobsterMessage;
  book?: LobsterBookRow;
  /** Fill levels the message file cannot reveal from the orderbook row (the config's choice). */
  fill: boolean;
  exchTsUs: number;
}

export class LobsterKeeper implements BookKeeper {
  private readonly steppers = new Map<string, LobsterStepper>();
  private readonly stats: SyncStats = emptySyncStats();

  constructor(private readonly exchange: string) {}

  keep(data: unknown, stamp: RecvStamp): SyncResult {
    const d = data as LobsterInput;
    let stepper = this.steppers.get(d.symbol);
    if (!stepper) this.steppers.set(d.symbol, (stepper = new LobsterStepper(this.exchange, d.symbol, d.fill)));
    const { result: r, problem } = stepper.step(d.row, d.msg, d.book);
    const out = result();
    if (problem) out.problems.push(problem);
    if (!r) return out;
    this.stats.applied++;
    const tags = { exchange: this.exchange, symbol: d.symbol, exchSeq: d.row, exchTsUs: d.exchTsUs, ...stamp };
    // The book itself holds the levels: a seed is published as a snapshot of it, a row as its changes.
    out.events.push(r.seeded ? { ...tags, type: 'l2-snapshot', bids: [], asks: [] } : { ...tags, type: 'l2-update', changes: [] });
    return out;
  }

  book(symbol: string): L2Book | undefined {
    return this.steppers.get(symbol)?.model?.book;
  }

  syncStats(): SyncStats {
    return this.stats;
  }

  notes(): string[] {
    return [...this.steppers.values()].flatMap((s) => s.notes());
  }
}
