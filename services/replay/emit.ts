/**
 * `--emit` output: one JSON line per applied input event, with the book's top levels as decimal
 * strings in the exchange's own format. The line shape is part of the CLI contract.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { formatLevels, type L2Book } from '../marketdata/book/l2-book.js';
import type { PriceFormat, Scaled } from '../marketdata/events.js';

export interface EmitRecord {
  exchange: string;
  symbol: string;
  seq: number;
  row?: number;
  bids: Array<[string, string]>;
  asks: Array<[string, string]>;
}

/** The emitted line for an L2 book as it stands (no newline). */
export function bookLine(book: L2Book, seq: number, depth: number, row?: number): string {
  return levelsLine(book.exchange, book.symbol, seq, book.top('bid', depth), book.top('ask', depth), book.format, row);
}

/** The emitted line for levels already cut to depth (L3 books, partially known LOBSTER books). */
export function levelsLine(
  exchange: string,
  symbol: string,
  seq: number,
  bids: Array<[Scaled, Scaled]>,
  asks: Array<[Scaled, Scaled]>,
  format: PriceFormat,
  row?: number,
): string {
  const rec: EmitRecord = { exchange, symbol, seq, ...(row === undefined ? {} : { row }), bids: formatLevels(bids, format), asks: formatLevels(asks, format) };
  return JSON.stringify(rec);
}

/** Where emitted lines go; a no-op sink when --emit is not given. */
export interface EmitSink {
  readonly enabled: boolean;
  write(line: string): void;
  close(): Promise<void>;
}

export const NO_EMIT: EmitSink = { enabled: false, write: () => undefined, close: async () => undefined };

const FLUSH_BYTES = 1 << 20;

/**
 * Lines are batched and written synchronously: the LOBSTER and ITCH replays call back from
 * synchronous loops, and a stream would buffer a whole trading day in memory behind them.
 */
export function fileSink(path: string): EmitSink {
  const fd = openSync(path, 'w');
  let pending: string[] = [];
  let pendingBytes = 0;
  const flush = () => {
    if (pending.length === 0) return;
    writeSync(fd, pending.join(''));
    pending = [];
    pendingBytes = 0;
  };
  return {
    enabled: true,
    write(line: string) {
      pending.push(line, '\n');
      pendingBytes += line.length + 1;
      if (pendingBytes >= FLUSH_BYTES) flush();
    },
    close: async () => {
      try {
        flush();
      } finally {
        closeSync(fd);
      }
    },
  };
}
