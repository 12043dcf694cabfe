/**
 * A recorded WebSocket session as a feed source: the frames go through the venue's live
 * decoder, in recorded order, exactly as a live connection's would, and each decoded input goes
 * to the worker that owns its symbol, where the venue's keeper (the same sync a live connection
 * uses) keeps the one book.
 */
import { readCaptureFile } from '../../feeds/capture/reader.js';
import type { LiveVenue } from '../../feeds/live.js';
import { keptInput, newSourceStats, type FeedSource, type FeedUpdate, type SourceStats } from '../feed-update.js';

export type { FeedSource };

/**
 * A single-file capture of a WebSocket venue (Kraken, Coinbase): the recorded frames go through
 * the decoder the live WebSocket source uses; `venue` only decodes here (its books stay empty).
 */
export class FrameCaptureSource implements FeedSource {
  readonly stats: SourceStats;

  constructor(private readonly path: string, private readonly venue: Pick<LiveVenue, 'name' | 'decode' | 'connectionOpened' | 'notes'>, exchange: string) {
    this.stats = newSourceStats(`${venue.name}-capture ${path}`, exchange);
  }

  async *updates(): AsyncGenerator<FeedUpdate> {
    const { venue, stats } = this;
    for await (const { rec, line } of readCaptureFile(this.path)) {
      // A reconnect in the recording: per-connection decode state (a connection-wide sequence) starts over.
      if (rec.kind === 'open') venue.connectionOpened?.();
      if (rec.kind !== 'recv') continue;
      stats.inputs++;
      const out = venue.decode(rec.frame);
      if (out.malformed) stats.malformed++;
      for (const i of out.inputs) yield keptInput(venue.name, stats.exchange, i.symbol, i.data, rec.wallUs, line);
    }
    // What the decoding side saw (Coinbase Advanced Trade: sequence gaps in the recording).
    stats.notes.push(...(venue.notes?.() ?? []));
  }
}
