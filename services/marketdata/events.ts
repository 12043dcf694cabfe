/**
 * Normalized market-data events: what every feed adapter produces and every book consumes.
 * Pure types, no I/O.
 *
 * Prices and sizes are exact scaled integers (`Scaled`): the value times 10^decimals, where the
 * decimals are fixed per (exchange, symbol) by its `PriceFormat`. Floats never touch a price.
 * Timestamps are plain numbers: exchange time in epoch microseconds, receive time as monotonic
 * nanoseconds (process.hrtime-based, same clock for every process on a host) plus wall-clock
 * epoch microseconds.
 */

/** Integer count of 10^-decimals units. Safe up to 2^53. */
export type Scaled = number;

export type Side = 'bid' | 'ask';

/** How to turn a symbol's scaled integers back into the exchange's own decimal strings. */
export interface PriceFormat {
  priceDecimals: number;
  sizeDecimals: number;
}

/** The tags every decoded event carries. */
export interface EventTags {
  /** Venue, e.g. NASDAQ, BINANCE. Also the first subject token. */
  exchange: string;
  /** Symbol exactly as the exchange spells it (BRK.B, XBT/USD). */
  symbol: string;
  /**
   * The exchange's own sequence for this event (Binance `u`, ITCH MoldUDP64 sequence,
   * Coinbase sequence, LOBSTER row number, Kraken: running count per pair). 0 if none.
   */
  exchSeq: number;
  /** Exchange timestamp, epoch microseconds (0 if the venue gives none). */
  exchTsUs: number;
  /** Receive time, monotonic nanoseconds (see `recvMonoNs()` in services/feeds). */
  recvMonoNs: number;
  /** Receive time, wall clock epoch microseconds. */
  recvWallUs: number;
}

export interface LevelChange {
  side: Side;
  price: Scaled;
  /** New aggregate size at this price; 0 deletes the level. */
  size: Scaled;
}

/** Replace the whole L2 book (REST snapshot, WS snapshot). */
export interface L2SnapshotEvent extends EventTags {
  type: 'l2-snapshot';
  bids: Array<[Scaled, Scaled]>;
  asks: Array<[Scaled, Scaled]>;
}

/** Incremental L2 changes from one exchange message. */
export interface L2UpdateEvent extends EventTags {
  type: 'l2-update';
  changes: LevelChange[];
}

/** Order-based (L3) events: LOBSTER, ITCH. */
export interface OrderAddEvent extends EventTags { type: 'order-add'; orderId: number; side: Side; price: Scaled; size: Scaled }
/** Partial execution or cancel of `size` shares (size is the amount removed). */
export interface OrderReduceEvent extends EventTags { type: 'order-reduce'; orderId: number; size: Scaled; reason: 'execute' | 'cancel'; execPrice?: Scaled; side?: Side; price?: Scaled }
/**
 * The order leaves the book. Feeds that say where it rested (LOBSTER) also fill side, price and
 * the size removed, so a book can account for orders placed before it started listening.
 */
export interface OrderDeleteEvent extends EventTags { type: 'order-delete'; orderId: number; side?: Side; price?: Scaled; size?: Scaled }
/** ITCH Replace: the old order leaves the book, a new one with a new id takes its side. */
export interface OrderReplaceEvent extends EventTags { type: 'order-replace'; orderId: number; newOrderId: number; price: Scaled; size: Scaled }

/** Trading status / system events: carried for completeness, no book change. */
export interface StatusEvent extends EventTags { type: 'status'; status: string }

export type BookEvent =
  | L2SnapshotEvent
  | L2UpdateEvent
  | OrderAddEvent
  | OrderReduceEvent
  | OrderDeleteEvent
  | OrderReplaceEvent
  | StatusEvent;

/** What adapters report instead of throwing: malformed input is counted and skipped. */
export interface DecodeProblem {
  kind: 'malformed' | 'unknown-type' | 'negative-size' | 'out-of-order' | 'unknown-order' | 'gap' | 'checksum' | 'truncated' | 'stale-snapshot' | 'crossed';
  detail: string;
  /** 1-based line or frame number where known. */
  at?: number;
}
