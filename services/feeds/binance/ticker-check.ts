/**
 * Ground truth for the Binance book: a bookTicker with update id `u` states the best bid and ask
 * right after update `u`. Whenever an applied depth update ends at that same `u`, the local
 * book's best levels must equal the ticker's, price and quantity. The two streams arrive in
 * either order, so each side waits (bounded) for the other.
 */
import type { L2Book } from '../../marketdata/book/l2-book.js';
import { parseScaled } from '../../marketdata/decimal.js';
import type { Scaled } from '../../marketdata/events.js';
import type { BinanceBookTicker } from './decode.js';

type Top = [bidPrice: Scaled, bidSize: Scaled, askPrice: Scaled, askSize: Scaled];

interface SymbolTruth {
  /** Book top after each applied update, by its final update id. */
  applied: Map<number, { top: Top | undefined; format: L2Book['format'] }>;
  /** Tickers whose update id no applied update has reached yet. */
  tickers: Map<number, BinanceBookTicker>;
}

export interface TickerMismatch {
  symbol: string;
  updateId: number;
  book: string;
  ticker: string;
}

const KEEP = 5_000;

export class BookTickerCheck {
  compared = 0;
  matched = 0;
  readonly mismatches: TickerMismatch[] = [];
  private readonly bySymbol = new Map<string, SymbolTruth>();

  /** Call after the sync applied a depth update ending at `finalId`. */
  onApplied(book: L2Book, finalId: number): void {
    const t = this.truth(book.symbol);
    const bid = book.bestBid();
    const ask = book.bestAsk();
    const top: Top | undefined = bid && ask ? [bid[0], bid[1], ask[0], ask[1]] : undefined;
    remember(t.applied, finalId, { top, format: book.format });
    const ticker = t.tickers.get(finalId);
    if (ticker) {
      t.tickers.delete(finalId);
      this.compare(ticker, top, book.format);
    }
  }

  onTicker(ticker: BinanceBookTicker): void {
    const t = this.truth(ticker.symbol);
    const seen = t.applied.get(ticker.updateId);
    if (seen) this.compare(ticker, seen.top, seen.format);
    else remember(t.tickers, ticker.updateId, ticker);
  }

  private compare(ticker: BinanceBookTicker, top: Top | undefined, format: L2Book['format']): void {
    this.compared++;
    const want = [
      parseScaled(ticker.bid[0], format.priceDecimals),
      parseScaled(ticker.bid[1], format.sizeDecimals),
      parseScaled(ticker.ask[0], format.priceDecimals),
      parseScaled(ticker.ask[1], format.sizeDecimals),
    ];
    if (top && want.every((v, i) => v === top[i])) {
      this.matched++;
      return;
    }
    if (this.mismatches.length < 20) {
      this.mismatches.push({
        symbol: ticker.symbol,
        updateId: ticker.updateId,
        book: top ? top.join(' ') : 'empty side',
        ticker: `${ticker.bid.join(' ')} ${ticker.ask.join(' ')}`,
      });
    }
  }

  private truth(symbol: string): SymbolTruth {
    let t = this.bySymbol.get(symbol);
    if (!t) {
      t = { applied: new Map(), tickers: new Map() };
      this.bySymbol.set(symbol, t);
    }
    return t;
  }
}

/** Insert, evicting the oldest entry past KEEP so a long live session stays bounded. */
function remember<V>(m: Map<number, V>, key: number, value: V): void {
  m.set(key, value);
  if (m.size > KEEP) m.delete(m.keys().next().value as number);
}
