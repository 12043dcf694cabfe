/** Feed sources named by the environment config. */
import path from 'node:path';
import type { DsmConfig, ExchangeConfig } from '../../../config/schema.js';
import { BinanceCaptureSource, coinbaseCaptureSource, krakenCaptureSource, type FeedSource } from './captures.js';
import { LobsterSource } from './lobster.js';
import { liveSource } from './live.js';
import { ItchFileSource } from './itch-file.js';

export type { FeedSource };

/** Paths in configs are relative to the repository root. */
export function sourceFor(ex: ExchangeConfig, root: string, client: DsmConfig['client']): FeedSource {
  const at = (p: string) => path.resolve(root, p);
  const f = ex.feed;
  switch (f.kind) {
    case 'lobster': return new LobsterSource({ messages: at(f.messages), orderbook: at(f.orderbook), symbol: f.symbol, exchange: ex.name, fillUnknown: f.fillUnknownFromOrderbook });
    case 'binance-capture': return new BinanceCaptureSource(at(f.ws), at(f.rest), ex.name);
    case 'kraken-capture': return krakenCaptureSource(at(f.path), ex.symbols, ex.name);
    case 'coinbase-capture': return coinbaseCaptureSource(at(f.path), ex.symbols, ex.name);
    case 'itch-file': return new ItchFileSource(at(f.path), ex.name);
    default: return liveSource(ex, client);
  }
}

/** Replayable (recorded) sources; live ones need the network. */
export function isRecorded(ex: ExchangeConfig): boolean {
  return ['lobster', 'binance-capture', 'kraken-capture', 'coinbase-capture', 'itch-file'].includes(ex.feed.kind);
}
