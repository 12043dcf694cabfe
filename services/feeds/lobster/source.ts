/**
 * LOBSTER replay as a feed source. The files are read and parsed here, row by row; the worker
 * that owns the symbol keeps the book (LobsterKeeper): because a level-N file cannot reveal
 * levels outside the top N, it fills those unknown levels from the orderbook file (when the
 * config says so) and says so in its notes, rather than publishing a book with holes. Every row
 * is still compared with the orderbook file before filling.
 */
import { readFile } from 'node:fs/promises';
import { keptInput, newSourceStats, type FeedUpdate, type SourceStats } from '../../ingest/feed-update.js';
import type { FeedSource } from '../../ingest/sources/captures.js';
import type { LobsterInput } from './keeper.js';
import { isProblem, parseMessageLine, parseOrderbookLine } from './parse.js';

export class LobsterSource implements FeedSource {
  readonly stats: SourceStats;

  constructor(private readonly opts: { messages: string; orderbook: string; symbol: string; exchange: string; fillUnknown: boolean }) {
    this.stats = newSourceStats(`lobster ${opts.messages}`, opts.exchange);
  }

  async *updates(): AsyncGenerator<FeedUpdate> {
    const [messages, orderbook] = await Promise.all([readFile(this.opts.messages, 'utf8'), readFile(this.opts.orderbook, 'utf8')]);
    const msgLines = messages.split('\n');
    const bookLines = orderbook.split('\n');
    const { symbol, exchange, fillUnknown } = this.opts;
    const rows = Math.min(msgLines.length, bookLines.length);
    if (msgLines.length !== bookLines.length) this.stats.notes.push(`LOBSTER ${symbol}: ${msgLines.length < bookLines.length ? 'message' : 'orderbook'} file ended at row ${rows} before the other`);
    for (let i = 0; i < rows; i++) {
      const row = i + 1;
      if (msgLines[i]!.trim() === '' && bookLines[i]!.trim() === '') continue;
      this.stats.inputs++;
      const msg = parseMessageLine(msgLines[i]!, row);
      const book = parseOrderbookLine(bookLines[i]!, row);
      if (isProblem(msg)) this.stats.malformed++;
      if (isProblem(book)) this.stats.malformed++;
      const exchTsUs = isProblem(msg) ? 0 : Math.floor(msg.timeNs / 1000);
      const input: LobsterInput = { symbol, row, fill: fillUnknown, exchTsUs, ...(isProblem(msg) ? {} : { msg }), ...(isProblem(book) ? {} : { book }) };
      yield keptInput('lobster', exchange, symbol, input, exchTsUs, row);
    }
  }
}
