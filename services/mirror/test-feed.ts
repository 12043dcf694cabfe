/**
 * Test helper: a publisher that keeps a real L2Book, publishes its deltas as wire messages with
 * contiguous sequences, and serves snapshots of its current book; what the ingest does, minus I/O.
 */
import { L2Book } from '../marketdata/book/l2-book.js';
import type { LevelChange, PriceFormat } from '../marketdata/events.js';
import { decode } from '../wire/decode.js';
import { WireEncoder } from '../wire/encode.js';
import { Flags } from '../wire/layout.js';
import type { WireMessage } from '../wire/message.js';

export class TestPublisher {
  readonly book: L2Book;
  seq = 0;
  private readonly encoder = new WireEncoder();

  constructor(
    readonly exchange = 'NASDAQ',
    readonly symbol = 'AAPL',
    readonly format: PriceFormat = { priceDecimals: 4, sizeDecimals: 0 },
    public epoch = 1,
  ) {
    this.book = new L2Book(exchange, symbol, format);
  }

  /** Apply changes to the book and return the resulting delta message (seq + 1). */
  publish(changes: LevelChange[]): WireMessage {
    for (const c of changes) this.book.set(c.side, c.price, c.size);
    this.seq++;
    return this.decoded(this.encoder.encodeDelta(this.header(0), this.book.takeDeltas()));
  }

  snapshot(flags: number = Flags.REPLY): WireMessage {
    const { bids, asks } = this.book.snapshot();
    return this.decoded(this.encoder.encodeSnapshot(this.header(flags), bids, asks));
  }

  private header(flags: number) {
    return {
      exchange: this.exchange, symbol: this.symbol, format: this.format, epoch: this.epoch, seq: this.seq,
      exchSeq: this.seq * 10, exchTsUs: 1_700_000_000_000_000 + this.seq, recvMonoNs: 1_000 + this.seq, flags,
    };
  }

  private decoded(bytes: Uint8Array): WireMessage {
    const r = decode(bytes);
    if (!r.ok) throw new Error(r.detail);
    return r.message;
  }
}

/** A level change at price 100+i on a side (sizes are small, 0 deletes). */
export function lvl(side: 'bid' | 'ask', price: number, size: number): LevelChange {
  return { side, price, size };
}
