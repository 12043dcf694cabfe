/**
 * The ingest's books and what it publishes from them. Pure: no NATS, no threads. A worker owns
 * one engine and thereby its symbols' books; nothing else touches them.
 *
 * Sequences are per symbol, contiguous from 1, and advance once per published message, so the
 * same feed always yields the same sequence numbers (a hot standby fed the same events publishes
 * the same ones). Only books that changed are published.
 */
import { L2Book } from '../marketdata/book/l2-book.js';
import type { PriceFormat, Scaled } from '../marketdata/events.js';
import { dataSubject } from '../marketdata/subject.js';
import { Flags, WireEncoder } from '../wire/index.js';
import type { FeedUpdate } from './feed-update.js';

export interface BookState {
  book: L2Book;
  subject: string;
  seq: number;
  exchSeq: number;
  exchTsUs: number;
  recvMonoNs: number;
}

export interface Outgoing {
  subject: string;
  payload: Uint8Array;
  state: BookState;
}

export interface BookDump {
  exchange: string;
  symbol: string;
  seq: number;
  format: PriceFormat;
  bids: Array<[Scaled, Scaled]>;
  asks: Array<[Scaled, Scaled]>;
}

export class PublishEngine {
  private readonly books = new Map<string, BookState>();
  private readonly encoder = new WireEncoder();
  /** Separate encoder for snapshot replies: they may be large and must not recycle the data slab. */
  private readonly snapshotEncoder = new WireEncoder({ mode: 'reuse', slabBytes: 64 * 1024 });

  /** Deltas dropped because their book awaits a venue snapshot (rebuild after a worker restart). */
  awaitingSnapshot = 0;

  constructor(private readonly opts: { epoch: number; dataSuffix: string; snapshotDepth: number; requireSnapshot?: boolean }) {}

  get epoch(): number { return this.opts.epoch; }
  set epoch(e: number) { this.opts.epoch = e; }

  /** Apply one update; returns the message to publish, or undefined when nothing changed. */
  apply(u: FeedUpdate): Outgoing | undefined {
    const key = `${u.exchange}\u0000${u.symbol}`;
    let st = this.books.get(key);
    let reset = 0;
    if (!st && this.opts.requireSnapshot) {
      // Rebuilding: a book exists again only from a venue snapshot, which restarts its sequence.
      if (u.kind !== 'snapshot') { this.awaitingSnapshot++; return undefined; }
      reset = Flags.RESET;
    }
    if (!st || st.book.format.priceDecimals !== u.format.priceDecimals || st.book.format.sizeDecimals !== u.format.sizeDecimals) {
      const book = new L2Book(u.exchange, u.symbol, u.format, 256);
      st = { book, subject: dataSubject(u.exchange, u.symbol, this.opts.dataSuffix), seq: st?.seq ?? 0, exchSeq: 0, exchTsUs: 0, recvMonoNs: 0 };
      this.books.set(key, st);
    }
    const book = st.book;
    st.exchSeq = u.exchSeq;
    st.exchTsUs = u.exchTsUs;
    st.recvMonoNs = u.recvMonoNs;
    if (u.kind === 'snapshot') {
      book.applySnapshot(u.bids ?? [], u.asks ?? []);
      book.takeDeltas();
      st.seq++;
      const { bids, asks } = book.snapshot(this.opts.snapshotDepth);
      return { subject: st.subject, payload: this.encoder.encodeSnapshot(this.header(st, this.truncated(book) | reset), bids, asks), state: st };
    }
    const changes = u.changes ?? [];
    for (let i = 0; i < changes.length; i++) {
      const c = changes[i]!;
      book.set(c.side, c.price, c.size);
    }
    const deltas = book.takeDeltas();
    if (deltas.length === 0) return undefined;
    st.seq++;
    return { subject: st.subject, payload: this.encoder.encodeDelta(this.header(st), deltas), state: st };
  }

  /** The current book as a snapshot message, for request/reply; undefined for unknown books. */
  snapshot(exchange: string, symbol: string): Uint8Array | undefined {
    const st = this.books.get(`${exchange}\u0000${symbol}`);
    if (!st) return undefined;
    const { bids, asks } = st.book.snapshot(this.opts.snapshotDepth);
    // REPLY: an answer to a request, not part of the data stream; TRUNCATED: deeper levels exist.
    return this.snapshotEncoder.encodeSnapshot(this.header(st, Flags.REPLY | this.truncated(st.book)), bids, asks).slice();
  }

  states(): IterableIterator<BookState> {
    return this.books.values();
  }

  dump(): BookDump[] {
    return [...this.books.values()].map((st) => ({ exchange: st.book.exchange, symbol: st.book.symbol, seq: st.seq, format: st.book.format, ...st.book.snapshot() }));
  }

  private truncated(book: L2Book): number {
    const d = this.opts.snapshotDepth;
    return book.depth('bid') > d || book.depth('ask') > d ? Flags.TRUNCATED : 0;
  }

  private header(st: BookState, flags = 0) {
    return { exchange: st.book.exchange, symbol: st.book.symbol, format: st.book.format, epoch: this.opts.epoch, seq: st.seq, exchSeq: st.exchSeq, exchTsUs: st.exchTsUs, recvMonoNs: st.recvMonoNs, flags };
  }
}
