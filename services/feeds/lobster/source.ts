/**
 * LOBSTER replay as a feed source. The message file drives the book; because a level-N file
 * cannot reveal levels outside the top N, the live pipeline fills those unknown levels from the
 * orderbook file (when the config says so) and says so in its notes, rather than publishing a
 * book with holes. Every row is still compared with the orderbook file before filling.
 */
import { readFile } from 'node:fs/promises';
import { replayLobster } from './replay.js';
import { newSourceStats, type FeedUpdate, type SourceStats } from '../../ingest/feed-update.js';
import type { FeedSource } from '../../ingest/sources/captures.js';

export class LobsterSource implements FeedSource {
  readonly stats: SourceStats;

  constructor(private readonly opts: { messages: string; orderbook: string; symbol: string; exchange: string; fillUnknown: boolean }) {
    this.stats = newSourceStats(`lobster ${opts.messages}`, opts.exchange);
  }

  async *updates(): AsyncGenerator<FeedUpdate> {
    const [messages, orderbook] = await Promise.all([readFile(this.opts.messages, 'utf8'), readFile(this.opts.orderbook, 'utf8')]);
    const updates: FeedUpdate[] = [];
    const { summary } = replayLobster(messages.split('\n'), orderbook.split('\n'), {
      symbol: this.opts.symbol,
      exchange: this.opts.exchange,
      fillUnknown: this.opts.fillUnknown,
      keepRows: false,
      onRow: (r, model, event) => {
        this.stats.inputs++;
        const book = model.book;
        const exchTsUs = event?.exchTsUs ?? 0;
        const base = { exchange: this.opts.exchange, symbol: this.opts.symbol, format: book.format, exchSeq: r.row, exchTsUs, recvMonoNs: 0, recvWallUs: 0, atUs: exchTsUs };
        if (r.seeded) {
          book.takeDeltas();
          updates.push({ ...base, kind: 'snapshot', ...book.snapshot() });
        } else {
          const changes = book.takeDeltas();
          if (changes.length) updates.push({ ...base, kind: 'delta', changes });
        }
      },
    });
    this.stats.malformed += summary.malformed_lines;
    this.stats.notes.push(`LOBSTER ${this.opts.symbol}: ${summary.rows_matched}/${summary.rows_compared} rows match the orderbook file; known depth ${summary.known_depth_avg} levels/side`);
    if (summary.fill_unknown) this.stats.notes.push(`LOBSTER ${this.opts.symbol}: ${summary.filled_levels} unknown level values filled from the orderbook file (a level-10 message file cannot reveal them)`);
    for (const u of updates) {
      this.stats.updates++;
      yield u;
    }
  }
}
