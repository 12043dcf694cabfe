/**
 * Nasdaq TotalView-ITCH 5.0 message shapes: the book-building subset decoded in full, and the
 * length of every other message type so a decoder can skip it.
 *
 * Layouts follow Nasdaq's published "Nasdaq TotalView-ITCH 5.0" specification: big-endian
 * integers; every message starts with type (1), stock locate (2), tracking number (2) and a
 * 6-byte timestamp in nanoseconds since midnight; prices are uint32 with 4 implied decimals;
 * Stock is 8 bytes of left-justified, space-padded ASCII.
 */
import type { PriceFormat } from '../../marketdata/events.js';

/** ITCH Price(4) fields: 4 implied decimals; shares are whole. */
export const ITCH_FORMAT: PriceFormat = { priceDecimals: 4, sizeDecimals: 0 };

/** Common header: type, stock locate, tracking number, timestamp. */
export const HEADER_LENGTH = 11;

/** Message length (including the type byte) for every ITCH 5.0 message type. */
export const MESSAGE_LENGTH: Readonly<Record<string, number>> = {
  S: 12, // System Event
  R: 39, // Stock Directory
  H: 25, // Stock Trading Action
  Y: 20, // Reg SHO Short Sale Price Test Restricted Indicator
  L: 26, // Market Participant Position
  V: 35, // MWCB Decline Level
  W: 12, // MWCB Status
  K: 28, // IPO Quoting Period Update
  J: 35, // LULD Auction Collar
  h: 21, // Operational Halt
  A: 36, // Add Order, no MPID attribution
  F: 40, // Add Order with MPID attribution
  E: 31, // Order Executed
  C: 36, // Order Executed With Price
  X: 23, // Order Cancel
  D: 19, // Order Delete
  U: 35, // Order Replace
  P: 44, // Trade (non-cross)
  Q: 40, // Cross Trade
  B: 19, // Broken Trade
  I: 50, // Net Order Imbalance Indicator
  N: 20, // Retail Price Improvement Indicator
  O: 48, // Direct Listing with Capital Raise Price Discovery
};

export interface ItchHeader {
  stockLocate: number;
  trackingNumber: number;
  /** Nanoseconds since midnight (48-bit). */
  timestampNs: number;
}

export interface SystemEventMsg extends ItchHeader {
  type: 'S';
  /** O start of messages, S start of system hours, Q start of market hours, M end of market hours, E end of system hours, C end of messages. */
  eventCode: string;
}

export interface StockDirectoryMsg extends ItchHeader {
  type: 'R';
  stock: string;
  marketCategory: string;
  financialStatusIndicator: string;
  roundLotSize: number;
  roundLotsOnly: string;
  issueClassification: string;
  issueSubType: string;
  authenticity: string;
  shortSaleThresholdIndicator: string;
  ipoFlag: string;
  luldReferencePriceTier: string;
  etpFlag: string;
  etpLeverageFactor: number;
  inverseIndicator: string;
}

export interface AddOrderMsg extends ItchHeader {
  type: 'A' | 'F';
  orderRef: number;
  /** 'B' buy, 'S' sell. */
  side: 'B' | 'S';
  shares: number;
  stock: string;
  /** Price(4): dollars * 10000. */
  price: number;
  /** MPID, only on 'F'. */
  attribution?: string;
}

export interface OrderExecutedMsg extends ItchHeader {
  type: 'E';
  orderRef: number;
  executedShares: number;
  matchNumber: number;
}

export interface OrderExecutedWithPriceMsg extends ItchHeader {
  type: 'C';
  orderRef: number;
  executedShares: number;
  matchNumber: number;
  printable: string;
  executionPrice: number;
}

export interface OrderCancelMsg extends ItchHeader {
  type: 'X';
  orderRef: number;
  cancelledShares: number;
}

export interface OrderDeleteMsg extends ItchHeader {
  type: 'D';
  orderRef: number;
}

export interface OrderReplaceMsg extends ItchHeader {
  type: 'U';
  originalOrderRef: number;
  newOrderRef: number;
  shares: number;
  price: number;
}

export type ItchMessage =
  | SystemEventMsg
  | StockDirectoryMsg
  | AddOrderMsg
  | OrderExecutedMsg
  | OrderExecutedWithPriceMsg
  | OrderCancelMsg
  | OrderDeleteMsg
  | OrderReplaceMsg;

/** A well-formed message of a type this decoder does not model (trades, imbalances, ...). */
export interface SkippedMsg {
  type: 'skipped';
  itchType: string;
  length: number;
}
