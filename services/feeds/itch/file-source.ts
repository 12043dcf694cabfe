/** A recorded ITCH file (MoldUDP64 packets or a length-prefixed stream) as a feed source. */
import { readFile } from 'node:fs/promises';
import { replayItch } from './files.js';
import { keptInput, newSourceStats, type FeedUpdate, type SourceStats } from '../../ingest/feed-update.js';
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
      // Decode only: the worker that owns each symbol keeps its book (ItchBookKeeper).
      keepBooks: false,
      onEvent: (event) => {
        this.stats.inputs++;
        // ITCH timestamps are ns since midnight: pace by them.
        if (event.type !== 'status') updates.push(keptInput('itch', event.exchange, event.symbol, event, event.exchTsUs));
      },
    });
    this.stats.gaps = summary.gaps;
    this.stats.malformed = summary.malformed + summary.unknown_types;
    yield* updates;
  }
}
