/** Nasdaq TotalView-ITCH 5.0: MoldUDP64 over UDP (with re-requests) live, recorded files, book replay. */
import { feedOf, type VenueDefinition } from '../venue.js';
import { ItchFileSource } from './file-source.js';
import { ItchBookKeeper } from './keeper.js';
import { replayItch } from './replay.js';
import { ItchUdpSource } from './udp-source.js';

export const itch: VenueDefinition = {
  name: 'itch',
  liveKinds: ['itch-moldudp64'],
  shardableKinds: [],
  recordedKinds: ['itch-file'],
  source(ex, ctx) {
    const live = feedOf(ex, 'itch-moldudp64');
    if (live) {
      return new ItchUdpSource({ ...live, exchange: ex.name });
    }
    return new ItchFileSource(ctx.resolve(feedOf(ex, 'itch-file')!.path), ex.name);
  },
  // The session and directory are decoded on the ingest thread; the worker owning a symbol keeps its book.
  keeper: (exchange) => new ItchBookKeeper(exchange),
  replay: { inputs: ['itch-file'], run: replayItch },
};
