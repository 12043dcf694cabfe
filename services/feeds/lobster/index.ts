/** LOBSTER (message + orderbook files): recorded feed and book replay checked row by row against the orderbook file. */
import { feedOf, type VenueDefinition } from '../venue.js';
import { replayLobster } from './book-replay.js';
import { LobsterSource } from './source.js';

export const lobster: VenueDefinition = {
  name: 'lobster',
  liveKinds: [],
  shardableKinds: [],
  recordedKinds: ['lobster'],
  source(ex, ctx) {
    const f = feedOf(ex, 'lobster')!;
    return new LobsterSource({ messages: ctx.resolve(f.messages), orderbook: ctx.resolve(f.orderbook), symbol: f.symbol, exchange: ex.name, fillUnknown: f.fillUnknownFromOrderbook });
  },
  replay: { inputs: ['message.csv', 'orderbook.csv'], run: replayLobster },
};
