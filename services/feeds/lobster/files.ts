/**
 * The file side of LOBSTER replay: stream lines from disk and read what the file names say
 * (`AAPL_2012-06-21_message_10.csv`, `..._34200000_57600000_orderbook_10.csv`, and row-range
 * suffixes such as `_rows0001-0500`). Parsing and the model stay pure in parse.ts / replay.ts.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { basename } from 'node:path';
import { newYorkMidnightUs } from './parse.js';
import { replayLobster, type LobsterReplayOptions, type LobsterReplayResult } from './replay.js';

export interface LobsterFileName {
  symbol: string;
  date: string;
  kind: 'message' | 'orderbook';
  levels: number;
}

const NAME = /^([^_]+)_(\d{4}-\d{2}-\d{2})_(?:\d+_\d+_)?(message|orderbook)_(\d+)/;

/** What a LOBSTER file name says, or undefined if it does not follow LOBSTER's naming. */
export function parseLobsterFileName(path: string): LobsterFileName | undefined {
  const m = NAME.exec(basename(path));
  if (!m) return undefined;
  return { symbol: m[1]!, date: m[2]!, kind: m[3] as 'message' | 'orderbook', levels: Number(m[4]) };
}

/** Lines of a file, read in chunks so a full trading day never sits in memory at once. */
export function* readLinesSync(path: string, chunkBytes = 1 << 20): Generator<string> {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(chunkBytes);
    let rest = '';
    for (;;) {
      const n = readSync(fd, buf, 0, chunkBytes, null);
      if (n === 0) break;
      const text = rest + buf.toString('latin1', 0, n);
      const lines = text.split('\n');
      rest = lines.pop()!;
      for (const l of lines) yield l.endsWith('\r') ? l.slice(0, -1) : l;
    }
    if (rest !== '') yield rest;
  } finally {
    closeSync(fd);
  }
}

/**
 * Replay a message file against its orderbook file. Symbol and date come from the file name
 * unless given; timestamps then count from New York midnight of that date.
 */
export function replayLobsterFiles(messagePath: string, orderbookPath: string, opts: Partial<LobsterReplayOptions> = {}): LobsterReplayResult {
  const named = parseLobsterFileName(messagePath) ?? parseLobsterFileName(orderbookPath);
  const symbol = opts.symbol ?? named?.symbol ?? 'UNKNOWN';
  const midnightUs = opts.midnightUs ?? (named ? newYorkMidnightUs(named.date) : undefined);
  return replayLobster(readLinesSync(messagePath), readLinesSync(orderbookPath), { ...opts, symbol, midnightUs });
}
