/** LOBSTER (message + orderbook files): recorded feed and book replay checked row by row against the orderbook file. */
import { feedOf, type VenueDefinition } from '../venue.js';
import { replayLobster } from './book-replay.js';
import { LobsterKeeper } from './keeper.js';
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
  // The files are parsed on the ingest thread; the worker owning the symbol keeps (and checks) its book.
  keeper: (exchange) => new LobsterKeeper(exchange),
  replay: { inputs: ['message.csv', 'orderbook.csv'], run: replayLobster },
};
