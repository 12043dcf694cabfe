/**
 * ITCH 5.0 binary codec for the book-building messages. `decodeItch` never throws: wrong
 * lengths, unknown types and bad field values come back as DecodeProblems. `encodeItch` exists
 * for tests and simulators and writes exactly the layout the decoder reads.
 */
import type { DecodeProblem } from '../../marketdata/events.js';
import { MESSAGE_LENGTH, type ItchHeader, type ItchMessage, type SkippedMsg } from './messages.js';

const TWO_32 = 2 ** 32;
/** Largest high word of a u64 that still fits a safe JS integer. */
const SAFE_HIGH = 0x1fffff;

function problem(kind: DecodeProblem['kind'], detail: string): DecodeProblem {
  return { kind, detail };
}

/** Reads fixed-offset fields of one message; `bad` records the first unusable field. */
class Reader {
  bad: string | undefined;
  private readonly view: DataView;
  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  u16(off: number): number {
    return this.view.getUint16(off);
  }
  u32(off: number): number {
    return this.view.getUint32(off);
  }
  u48(off: number): number {
    return this.view.getUint16(off) * TWO_32 + this.view.getUint32(off + 2);
  }
  u64(off: number, field: string): number {
    const hi = this.view.getUint32(off);
    if (hi > SAFE_HIGH) this.bad ??= `${field} exceeds 2^53`;
    return hi * TWO_32 + this.view.getUint32(off + 4);
  }
  alpha(off: number, len: number, field: string): string {
    let s = '';
    for (let i = 0; i < len; i++) {
      const c = this.bytes[off + i]!;
      if (c < 0x20 || c > 0x7e) {
        this.bad ??= `${field} is not printable ASCII`;
        return '';
      }
      s += String.fromCharCode(c);
    }
    return s;
  }
  header(): ItchHeader {
    return { stockLocate: this.u16(1), trackingNumber: this.u16(3), timestampNs: this.u48(5) };
  }
}

/** Decode one ITCH message (exactly its bytes, without the MoldUDP64/stream length prefix). */
export function decodeItch(bytes: Uint8Array): ItchMessage | SkippedMsg | DecodeProblem {
  if (bytes.length === 0) return problem('truncated', 'empty message');
  const type = String.fromCharCode(bytes[0]!);
  const expected = MESSAGE_LENGTH[type];
  if (expected === undefined) return problem('unknown-type', `ITCH type 0x${bytes[0]!.toString(16).padStart(2, '0')}`);
  if (bytes.length !== expected) {
    return problem(bytes.length < expected ? 'truncated' : 'malformed', `ITCH '${type}' is ${bytes.length} bytes, expected ${expected}`);
  }
  const r = new Reader(bytes);
  let msg: ItchMessage | SkippedMsg;
  switch (type) {
    case 'S':
      msg = { type, ...r.header(), eventCode: r.alpha(11, 1, 'event code') };
      break;
    case 'R':
      msg = {
        type, ...r.header(),
        stock: r.alpha(11, 8, 'stock').trimEnd(),
        marketCategory: r.alpha(19, 1, 'market category'),
        financialStatusIndicator: r.alpha(20, 1, 'financial status'),
        roundLotSize: r.u32(21),
        roundLotsOnly: r.alpha(25, 1, 'round lots only'),
        issueClassification: r.alpha(26, 1, 'issue classification'),
        issueSubType: r.alpha(27, 2, 'issue sub-type'),
        authenticity: r.alpha(29, 1, 'authenticity'),
        shortSaleThresholdIndicator: r.alpha(30, 1, 'short sale threshold'),
        ipoFlag: r.alpha(31, 1, 'IPO flag'),
        luldReferencePriceTier: r.alpha(32, 1, 'LULD tier'),
        etpFlag: r.alpha(33, 1, 'ETP flag'),
        etpLeverageFactor: r.u32(34),
        inverseIndicator: r.alpha(38, 1, 'inverse indicator'),
      };
      break;
    case 'A':
    case 'F': {
      const side = r.alpha(19, 1, 'side');
      if (side !== 'B' && side !== 'S') r.bad ??= `side "${side}"`;
      msg = {
        type, ...r.header(),
        orderRef: r.u64(11, 'order reference'),
        side: side as 'B' | 'S',
        shares: r.u32(20),
        stock: r.alpha(24, 8, 'stock').trimEnd(),
        price: r.u32(32),
      };
      if (type === 'F') msg.attribution = r.alpha(36, 4, 'attribution').trimEnd();
      break;
    }
    case 'E':
      msg = { type, ...r.header(), orderRef: r.u64(11, 'order reference'), executedShares: r.u32(19), matchNumber: r.u64(23, 'match number') };
      break;
    case 'C':
      msg = {
        type, ...r.header(),
        orderRef: r.u64(11, 'order reference'), executedShares: r.u32(19), matchNumber: r.u64(23, 'match number'),
        printable: r.alpha(31, 1, 'printable'), executionPrice: r.u32(32),
      };
      break;
    case 'X':
      msg = { type, ...r.header(), orderRef: r.u64(11, 'order reference'), cancelledShares: r.u32(19) };
      break;
    case 'D':
      msg = { type, ...r.header(), orderRef: r.u64(11, 'order reference') };
      break;
    case 'U':
      msg = { type, ...r.header(), originalOrderRef: r.u64(11, 'original order reference'), newOrderRef: r.u64(19, 'new order reference'), shares: r.u32(27), price: r.u32(31) };
      break;
    default:
      msg = { type: 'skipped', itchType: type, length: expected };
  }
  if (r.bad) return problem('malformed', `ITCH '${type}': ${r.bad}`);
  return msg;
}

/** Encode one message into its exact ITCH 5.0 bytes (no length prefix). */
export function encodeItch(msg: ItchMessage): Uint8Array {
  const len = MESSAGE_LENGTH[msg.type]!;
  const out = new Uint8Array(len);
  const v = new DataView(out.buffer);
  const alpha = (off: number, n: number, s: string) => {
    for (let i = 0; i < n; i++) out[off + i] = i < s.length ? s.charCodeAt(i) & 0x7f : 0x20;
  };
  const u64 = (off: number, x: number) => {
    v.setUint32(off, Math.floor(x / TWO_32));
    v.setUint32(off + 4, x >>> 0);
  };
  out[0] = msg.type.charCodeAt(0);
  v.setUint16(1, msg.stockLocate);
  v.setUint16(3, msg.trackingNumber);
  v.setUint16(5, Math.floor(msg.timestampNs / TWO_32));
  v.setUint32(7, msg.timestampNs >>> 0);
  switch (msg.type) {
    case 'S':
      alpha(11, 1, msg.eventCode);
      break;
    case 'R':
      alpha(11, 8, msg.stock);
      alpha(19, 1, msg.marketCategory);
      alpha(20, 1, msg.financialStatusIndicator);
      v.setUint32(21, msg.roundLotSize);
      alpha(25, 1, msg.roundLotsOnly);
      alpha(26, 1, msg.issueClassification);
      alpha(27, 2, msg.issueSubType);
      alpha(29, 1, msg.authenticity);
      alpha(30, 1, msg.shortSaleThresholdIndicator);
      alpha(31, 1, msg.ipoFlag);
      alpha(32, 1, msg.luldReferencePriceTier);
      alpha(33, 1, msg.etpFlag);
      v.setUint32(34, msg.etpLeverageFactor);
      alpha(38, 1, msg.inverseIndicator);
      break;
    case 'A':
    case 'F':
      u64(11, msg.orderRef);
      alpha(19, 1, msg.side);
      v.setUint32(20, msg.shares);
      alpha(24, 8, msg.stock);
      v.setUint32(32, msg.price);
      if (msg.type === 'F') alpha(36, 4, msg.attribution ?? '');
      break;
    case 'E':
      u64(11, msg.orderRef);
      v.setUint32(19, msg.executedShares);
      u64(23, msg.matchNumber);
      break;
    case 'C':
      u64(11, msg.orderRef);
      v.setUint32(19, msg.executedShares);
      u64(23, msg.matchNumber);
      alpha(31, 1, msg.printable);
      v.setUint32(32, msg.executionPrice);
      break;
    case 'X':
      u64(11, msg.orderRef);
      v.setUint32(19, msg.cancelledShares);
      break;
    case 'D':
      u64(11, msg.orderRef);
      break;
    case 'U':
      u64(11, msg.originalOrderRef);
      u64(19, msg.newOrderRef);
      v.setUint32(27, msg.shares);
      v.setUint32(31, msg.price);
      break;
  }
  return out;
}

/** A stock directory entry with the defaults of an ordinary listed common stock. */
export function stockDirectory(stockLocate: number, stock: string, timestampNs = 0): ItchMessage {
  return {
    type: 'R', stockLocate, trackingNumber: 0, timestampNs, stock,
    marketCategory: 'Q', financialStatusIndicator: 'N', roundLotSize: 100, roundLotsOnly: 'N',
    issueClassification: 'C', issueSubType: 'Z ', authenticity: 'P', shortSaleThresholdIndicator: 'N',
    ipoFlag: 'N', luldReferencePriceTier: '1', etpFlag: 'N', etpLeverageFactor: 0, inverseIndicator: 'N',
  };
}
