/**
 * The decoded form of a wire message. One instance is meant to be reused for every message a
 * subscriber decodes (`decodeInto`), so levels live in growable typed arrays with counts
 * rather than in per-message arrays of objects.
 */
import type { LevelChange, PriceFormat, Scaled } from '../marketdata/events.js';
import type { MessageType } from './layout.js';
import type { BookName } from './names.js';

export interface HeartbeatInfo {
  /** Stable id of the publishing process (e.g. `ingest-a`). */
  publisherId: string;
  /** Symbols this publisher currently owns. */
  symbols: number;
  /** Messages published so far in this epoch. */
  published: number;
  /** Free-form UTF-8 (JSON by convention): host, pid, lease group... */
  info: string;
}

export class WireMessage {
  version = 0;
  type: MessageType = 'delta';
  flags = 0;
  /** Publisher epoch (fencing token): a deposed leader's messages carry a lower one. */
  epoch = 0;
  /** Per-symbol sequence, contiguous from 1 (heartbeats: the publisher's heartbeat count). */
  seq = 0;
  exchSeq = 0;
  exchTsUs = 0;
  recvMonoNs = 0;
  pubMonoNs = 0;
  priceDecimals = 0;
  sizeDecimals = 0;
  exchange = '';
  symbol = '';
  /** The interned (exchange, symbol) entry when decoded with a BookNameTable (decodeInto), else undefined. */
  book: BookName | undefined = undefined;
  /** Levels: bids in [0, bidCount), asks in [bidCount, bidCount + askCount). */
  bidCount = 0;
  askCount = 0;
  prices: Float64Array;
  sizes: Float64Array;
  /** Filled for heartbeats only. */
  heartbeat: HeartbeatInfo = { publisherId: '', symbols: 0, published: 0, info: '' };

  constructor(levelCapacity = 64) {
    this.prices = new Float64Array(levelCapacity);
    this.sizes = new Float64Array(levelCapacity);
  }

  get levelCount(): number {
    return this.bidCount + this.askCount;
  }

  get format(): PriceFormat {
    return { priceDecimals: this.priceDecimals, sizeDecimals: this.sizeDecimals };
  }

  /** Make room for n levels; existing contents are not kept (the decoder overwrites them). */
  ensureLevelCapacity(n: number): void {
    if (n <= this.prices.length) return;
    let cap = this.prices.length * 2;
    while (cap < n) cap *= 2;
    this.prices = new Float64Array(cap);
    this.sizes = new Float64Array(cap);
  }

  /** Levels as LevelChange objects (allocates: for tests, tools and JSON, not the hot path). */
  changes(): LevelChange[] {
    const out: LevelChange[] = [];
    for (let i = 0; i < this.levelCount; i++) {
      out.push({ side: i < this.bidCount ? 'bid' : 'ask', price: this.prices[i]!, size: this.sizes[i]! });
    }
    return out;
  }

  /** Bid levels as [price, size] pairs, in wire order (allocates). */
  bids(): Array<[Scaled, Scaled]> {
    return pairs(this.prices, this.sizes, 0, this.bidCount);
  }

  /** Ask levels as [price, size] pairs, in wire order (allocates). */
  asks(): Array<[Scaled, Scaled]> {
    return pairs(this.prices, this.sizes, this.bidCount, this.bidCount + this.askCount);
  }

  /** Become a copy of `src`, reusing this message's arrays (pooled buffering). */
  copyFrom(src: WireMessage): this {
    this.version = src.version;
    this.type = src.type;
    this.flags = src.flags;
    this.epoch = src.epoch;
    this.seq = src.seq;
    this.exchSeq = src.exchSeq;
    this.exchTsUs = src.exchTsUs;
    this.recvMonoNs = src.recvMonoNs;
    this.pubMonoNs = src.pubMonoNs;
    this.priceDecimals = src.priceDecimals;
    this.sizeDecimals = src.sizeDecimals;
    this.exchange = src.exchange;
    this.symbol = src.symbol;
    const n = src.levelCount;
    this.ensureLevelCapacity(n);
    this.prices.set(src.prices.subarray(0, n));
    this.sizes.set(src.sizes.subarray(0, n));
    this.bidCount = src.bidCount;
    this.askCount = src.askCount;
    const hb = this.heartbeat;
    hb.publisherId = src.heartbeat.publisherId;
    hb.symbols = src.heartbeat.symbols;
    hb.published = src.heartbeat.published;
    hb.info = src.heartbeat.info;
    return this;
  }

  /** A deep copy that no later decode will overwrite. */
  clone(): WireMessage {
    return new WireMessage(Math.max(4, this.levelCount)).copyFrom(this);
  }
}

function pairs(prices: Float64Array, sizes: Float64Array, from: number, to: number): Array<[Scaled, Scaled]> {
  const out: Array<[Scaled, Scaled]> = [];
  for (let i = from; i < to; i++) out.push([prices[i]!, sizes[i]!]);
  return out;
}
