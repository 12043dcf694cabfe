/**
 * Consolidated best bid and offer for an instrument traded on several venues (the "aggregated
 * view"): the best price on each side across venues, with every venue quoting it.
 *
 * Venues keep their own decimals; prices are compared exactly (see scaled-compare.ts). Only live
 * mirrors contribute: a mirror awaiting a snapshot holds a book that may be stale.
 *
 * Call `update(exchange, symbol)` after every message routed to that venue's mirror, not only
 * after book changes, so a venue leaving `live` drops out at once. An update whose venue top is
 * unchanged costs two map lookups and four comparisons; only a real top-of-book change
 * recomputes the instrument.
 */
import { formatScaled } from '../marketdata/decimal.js';
import type { Scaled } from '../marketdata/events.js';
import type { BookMirror } from './book-mirror.js';
import { compareScaled } from './scaled-compare.js';

export interface Venue {
  exchange: string;
  /** The symbol as this venue spells it (BTCUSDT, XBT/USD, BTC-USD). */
  symbol: string;
}

/** Instrument name -> the venues that trade it, e.g. { 'BTC-USD': [{ exchange: 'KRAKEN', symbol: 'XBT/USD' }, ...] }. */
export type InstrumentMap = Record<string, Venue[]>;

export interface VenueLevel extends Venue {
  price: Scaled;
  size: Scaled;
  priceDecimals: number;
  sizeDecimals: number;
  /** Exact decimal strings in the venue's own format. */
  priceText: string;
  sizeText: string;
}

export interface ConsolidatedSide {
  /** Best price as a decimal string, in the format of the first venue quoting it. */
  price: string;
  /** Every live venue at the best price, in the instrument's venue order. */
  venues: VenueLevel[];
}

export interface ConsolidatedQuote {
  instrument: string;
  bid?: ConsolidatedSide;
  ask?: ConsolidatedSide;
  /** Best bid above best ask (across venues, an arbitrage or a stale venue). */
  crossed: boolean;
  /** Best bid equal to best ask. */
  locked: boolean;
  /** Venues currently contributing (live mirrors). */
  liveVenues: number;
}

export interface MirrorLookup {
  get(exchange: string, symbol: string): BookMirror | undefined;
}

/** Last seen top of book of one venue within one instrument. */
interface Slot extends Venue {
  live: boolean;
  priceDecimals: number;
  sizeDecimals: number;
  bidPrice: number;
  bidSize: number;
  askPrice: number;
  askSize: number;
}

interface Instrument {
  name: string;
  slots: Slot[];
  quote: ConsolidatedQuote;
}

export class ConsolidatedBbo {
  private readonly instruments = new Map<string, Instrument>();
  /** exchange -> symbol -> the slots (one per instrument) that venue feeds. */
  private readonly index = new Map<string, Map<string, Array<{ inst: Instrument; slot: Slot }>>>();

  constructor(
    map: InstrumentMap,
    private readonly mirrors: MirrorLookup,
    private readonly onChange?: (quote: ConsolidatedQuote) => void,
  ) {
    for (const [name, venues] of Object.entries(map)) {
      const inst: Instrument = { name, slots: [], quote: { instrument: name, crossed: false, locked: false, liveVenues: 0 } };
      for (const v of venues) {
        const slot: Slot = { exchange: v.exchange, symbol: v.symbol, live: false, priceDecimals: 0, sizeDecimals: 0, bidPrice: 0, bidSize: 0, askPrice: 0, askSize: 0 };
        inst.slots.push(slot);
        let bySymbol = this.index.get(v.exchange);
        if (bySymbol === undefined) this.index.set(v.exchange, (bySymbol = new Map()));
        let refs = bySymbol.get(v.symbol);
        if (refs === undefined) bySymbol.set(v.symbol, (refs = []));
        refs.push({ inst, slot });
      }
      this.instruments.set(name, inst);
    }
  }

  /** Re-read one venue's top of book. Returns true if any instrument's quote changed. */
  update(exchange: string, symbol: string): boolean {
    const refs = this.index.get(exchange)?.get(symbol);
    if (refs === undefined) return false;
    const mirror = this.mirrors.get(exchange, symbol);
    let changed = false;
    for (const { inst, slot } of refs) {
      if (readTop(slot, mirror)) {
        inst.quote = consolidate(inst);
        changed = true;
        this.onChange?.(inst.quote);
      }
    }
    return changed;
  }

  quote(instrument: string): ConsolidatedQuote | undefined {
    return this.instruments.get(instrument)?.quote;
  }

  quotes(): ConsolidatedQuote[] {
    return [...this.instruments.values()].map((i) => i.quote);
  }
}

/** Copy the mirror's top into the slot; true if anything differs. Sizes 0 mean "no level". */
function readTop(slot: Slot, mirror: BookMirror | undefined): boolean {
  const live = mirror !== undefined && mirror.isLive;
  let bidPrice = 0, bidSize = 0, askPrice = 0, askSize = 0;
  if (live) {
    const book = mirror.book;
    if (book.depth('bid') > 0) {
      bidPrice = book.priceAt('bid', 0)!;
      bidSize = book.sizeAtRank('bid', 0)!;
    }
    if (book.depth('ask') > 0) {
      askPrice = book.priceAt('ask', 0)!;
      askSize = book.sizeAtRank('ask', 0)!;
    }
  }
  if (live === slot.live && bidPrice === slot.bidPrice && bidSize === slot.bidSize && askPrice === slot.askPrice && askSize === slot.askSize) {
    return false;
  }
  slot.live = live;
  slot.bidPrice = bidPrice;
  slot.bidSize = bidSize;
  slot.askPrice = askPrice;
  slot.askSize = askSize;
  if (mirror !== undefined) {
    slot.priceDecimals = mirror.format.priceDecimals;
    slot.sizeDecimals = mirror.format.sizeDecimals;
  }
  return true;
}

function consolidate(inst: Instrument): ConsolidatedQuote {
  const bid = bestSide(inst.slots, 'bid');
  const ask = bestSide(inst.slots, 'ask');
  let crossed = false;
  let locked = false;
  if (bid && ask) {
    const b = bid.venues[0]!;
    const a = ask.venues[0]!;
    const c = compareScaled(b.price, b.priceDecimals, a.price, a.priceDecimals);
    crossed = c > 0;
    locked = c === 0;
  }
  const quote: ConsolidatedQuote = { instrument: inst.name, crossed, locked, liveVenues: inst.slots.filter((s) => s.live).length };
  if (bid) quote.bid = bid;
  if (ask) quote.ask = ask;
  return quote;
}

function bestSide(slots: Slot[], side: 'bid' | 'ask'): ConsolidatedSide | undefined {
  // Better = higher for bids, lower for asks.
  const sign = side === 'bid' ? 1 : -1;
  let best: Slot[] = [];
  for (const s of slots) {
    if (!s.live || (side === 'bid' ? s.bidSize : s.askSize) === 0) continue;
    const first = best[0];
    if (first === undefined) {
      best = [s];
      continue;
    }
    const c = sign * compareScaled(priceOf(s, side), s.priceDecimals, priceOf(first, side), first.priceDecimals);
    if (c > 0) best = [s];
    else if (c === 0) best.push(s);
  }
  if (best.length === 0) return undefined;
  const venues = best.map((s): VenueLevel => {
    const price = priceOf(s, side);
    const size = side === 'bid' ? s.bidSize : s.askSize;
    return {
      exchange: s.exchange, symbol: s.symbol, price, size, priceDecimals: s.priceDecimals, sizeDecimals: s.sizeDecimals,
      priceText: formatScaled(price, s.priceDecimals), sizeText: formatScaled(size, s.sizeDecimals),
    };
  });
  return { price: venues[0]!.priceText, venues };
}

function priceOf(s: Slot, side: 'bid' | 'ask'): number {
  return side === 'bid' ? s.bidPrice : s.askPrice;
}
