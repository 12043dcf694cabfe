/** A recorded ITCH file (MoldUDP64 packets or a length-prefixed stream) as a feed source. */
import { readFile } from 'node:fs/promises';
import { replayItch } from './files.js';
import { newSourceStats, type FeedUpdate, type SourceStats } from '../../ingest/feed-update.js';
import type { FeedSource } from '../../ingest/sources/captures.js';

export class ItchFileSource implements FeedSource {
  readonly stats: SourceStats;

  constructor(private readonly path: string, private readonly exchange: string) {
    this.stats = newSourceStats(`itch-file ${path}`, exchange);
  }

  async *updates(): AsyncGenerator<FeedUpdate> {
    const updates: FeedUpdate[] = [];
    const { summary } = replayItch(await readFile(this.path), {
      exchange: this.exchange,
      onEvent: (event, book) => {
        this.stats.inputs++;
        if (!book) return;
        const changes = book.l2.takeDeltas();
        // ITCH timestamps are ns since midnight: pace by them.
        if (changes.length) updates.push({ kind: 'delta', exchange: event.exchange, symbol: event.symbol, format: book.l2.format, exchSeq: event.exchSeq, exchTsUs: event.exchTsUs, recvMonoNs: 0, recvWallUs: 0, atUs: event.exchTsUs, changes });
      },
    });
    this.stats.gaps = summary.gaps;
    this.stats.malformed = summary.malformed + summary.unknown_types;
    for (const u of updates) {
      this.stats.updates++;
      yield u;
    }
  }
}
