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
  /** Lost sync with the venue; set by a `stale` update, cleared by the recovery snapshot. */
  stale: boolean;
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

  constructor(private readonly opts: { epoch: number; dataSuffix: string; snapshotDepth: number }) {}

  get epoch(): number { return this.opts.epoch; }
  set epoch(e: number) { this.opts.epoch = e; }

  /** Apply one update; returns the message to publish, or undefined when nothing changed. */
  apply(u: FeedUpdate): Outgoing | undefined {
    const key = `${u.exchange}\u0000${u.symbol}`;
    let st = this.books.get(key);
    if (u.kind === 'stale') return st ? this.markStale(st, u) : undefined;
    if (u.book) return this.fromOwnedBook(key, st, u, u.book);
    if (!st || st.book.format.priceDecimals !== u.format.priceDecimals || st.book.format.sizeDecimals !== u.format.sizeDecimals) {
      const book = new L2Book(u.exchange, u.symbol, u.format, 256);
      st = { book, subject: dataSubject(u.exchange, u.symbol, this.opts.dataSuffix), seq: st?.seq ?? 0, exchSeq: 0, exchTsUs: 0, recvMonoNs: 0, stale: false };
      this.books.set(key, st);
    }
    const book = st.book;
    st.exchSeq = u.exchSeq;
    st.exchTsUs = u.exchTsUs;
    st.recvMonoNs = u.recvMonoNs;
    if (u.kind === 'snapshot') {
      st.stale = false;
      book.applySnapshot(u.bids ?? [], u.asks ?? []);
      book.takeDeltas();
      st.seq++;
      const { bids, asks } = book.snapshot(this.opts.snapshotDepth);
      return { subject: st.subject, payload: this.encoder.encodeSnapshot(this.header(st, this.truncated(book)), bids, asks), state: st };
    }
    // Nothing reaches a stale book but its recovery snapshot (sources guarantee it; this holds the line).
    if (st.stale) return undefined;
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

  /**
   * The venue sync's book is the published book (one book per symbol, applied once): its change
   * is already in it and `u.changes` are its deltas, so nothing is applied here, only encoded.
   */
  private fromOwnedBook(key: string, prev: BookState | undefined, u: FeedUpdate, book: L2Book): Outgoing | undefined {
    let st = prev;
    if (!st || st.book !== book) {
      // First sight, or the sync replaced its book (a resubscribe with other decimals): adopt it, keep the sequence line.
      st = { book, subject: prev?.subject ?? dataSubject(u.exchange, u.symbol, this.opts.dataSuffix), seq: prev?.seq ?? 0, exchSeq: 0, exchTsUs: 0, recvMonoNs: 0, stale: prev?.stale ?? false };
      this.books.set(key, st);
    }
    st.exchSeq = u.exchSeq;
    st.exchTsUs = u.exchTsUs;
    st.recvMonoNs = u.recvMonoNs;
    if (u.kind === 'snapshot') {
      st.stale = false;
      st.seq++;
      const { bids, asks } = book.snapshot(this.opts.snapshotDepth);
      return { subject: st.subject, payload: this.encoder.encodeSnapshot(this.header(st, this.truncated(book)), bids, asks), state: st };
    }
    const changes = u.changes ?? [];
    if (st.stale || changes.length === 0) return undefined;
    st.seq++;
    return { subject: st.subject, payload: this.encoder.encodeDelta(this.header(st), changes), state: st };
  }

  /** One STALE-flagged empty delta, once per loss of sync: mirrors keep the sequence line and learn the book is not current. */
  private markStale(st: BookState, u: FeedUpdate): Outgoing | undefined {
    if (st.stale) return undefined;
    st.stale = true;
    st.recvMonoNs = u.recvMonoNs;
    st.seq++;
    return { subject: st.subject, payload: this.encoder.encodeDelta(this.header(st, Flags.STALE), []), state: st };
  }

  /** The current book as a snapshot message, for request/reply; undefined for unknown or stale books. */
  snapshot(exchange: string, symbol: string): Uint8Array | undefined {
    const st = this.books.get(`${exchange}\u0000${symbol}`);
    // A stale book answered as a snapshot would be taken as good; the requester retries and the recovery snapshot arrives in the stream.
    if (!st || st.stale) return undefined;
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
