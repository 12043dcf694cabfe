/**
 * The ingest's books and what it publishes from them. Pure: no NATS, no threads. A worker owns
 * one engine and thereby its symbols' books; nothing else touches them.
 *
 * Sequences are per symbol, contiguous from 1, and advance once per published message, so the
 * same feed always yields the same sequence numbers (a hot standby fed the same events publishes
 * the same ones). Only books that changed are published.
 *
 * Steady state allocates nothing per update besides the payload view: books are found by
 * exchange then symbol (no key string), deltas are encoded straight from the book's touched
 * prices, and the header and the returned Outgoing are reused (valid until the next apply).
 * Everything per symbol (book, subject string, name bytes) is made once, on its first update.
 */
import { L2Book } from '../marketdata/book/l2-book.js';
import type { PriceFormat, Scaled } from '../marketdata/events.js';
import { dataSubject } from '../marketdata/subject.js';
import { Flags, WireEncoder, type BookHeader } from '../wire/index.js';
import type { FeedUpdate } from './feed-update.js';

export interface BookState {
  book: L2Book;
  subject: string;
  seq: number;
  exchSeq: number;
  exchTsUs: number;
  recvMonoNs: number;
  /** Coalescing: changes are staged on the book and wait for `emit` (see `stage`). */
  staged: boolean;
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
  /** exchange -> symbol -> book: two lookups on interned strings, no key built per update. */
  private readonly books = new Map<string, Map<string, BookState>>();
  private count = 0;
  /** Reused for every message: apply() hands it out and the caller uses it before the next apply. */
  private readonly out: Outgoing = { subject: '', payload: new Uint8Array(0), state: undefined as unknown as BookState };
  private readonly scratch: BookHeader = { exchange: '', symbol: '', format: { priceDecimals: 0, sizeDecimals: 0 }, epoch: 0, seq: 0, exchSeq: 0, exchTsUs: 0, recvMonoNs: 0, flags: 0 };
  private readonly encoder = new WireEncoder();
  /** Separate encoder for snapshot replies: they may be large and must not recycle the data slab. */
  private readonly snapshotEncoder = new WireEncoder({ mode: 'reuse', slabBytes: 64 * 1024 });

  constructor(private readonly opts: { epoch: number; dataSuffix: string; snapshotDepth: number }) {}

  get epoch(): number { return this.opts.epoch; }
  set epoch(e: number) { this.opts.epoch = e; }

  /** Books held. */
  get size(): number { return this.count; }

  /**
   * Apply one update; returns the message to publish, or undefined when nothing changed. The
   * returned object and its payload view are reused: use them before the next call.
   */
  apply(u: FeedUpdate): Outgoing | undefined {
    const st = this.stateFor(u);
    const book = st.book;
    st.exchSeq = u.exchSeq;
    st.exchTsUs = u.exchTsUs;
    st.recvMonoNs = u.recvMonoNs;
    if (u.kind === 'snapshot') {
      book.applySnapshot(u.bids ?? [], u.asks ?? []);
      book.takeDeltas();
      st.seq++;
      const { bids, asks } = book.snapshot(this.opts.snapshotDepth);
      return this.outgoing(st, this.encoder.encodeSnapshot(this.header(st, this.truncated(book)), bids, asks));
    }
    const changes = u.changes;
    if (changes !== undefined) {
      for (let i = 0; i < changes.length; i++) {
        const c = changes[i]!;
        book.set(c.side, c.price, c.size);
      }
    }
    if (book.pendingDeltas('bid') + book.pendingDeltas('ask') === 0) return undefined;
    st.seq++;
    return this.outgoing(st, this.encoder.encodeDeltaFrom(this.header(st), book));
  }

  /**
   * Coalescing (opt-in): apply a delta update to its book without emitting a message. The book
   * collects its touched prices until `emit`, which publishes them as one delta under one
   * sequence number, so subscribers see ordinary contiguous deltas. The message carries the
   * last update's exchange sequence and time and the FIRST staged update's receive time (the
   * end-to-end latency then includes the time spent waiting to be packed).
   * Returns the book's state when this update staged it (the caller lists it for `emit`),
   * undefined when it was staged already.
   */
  stage(u: FeedUpdate): BookState | undefined {
    if (u.kind === 'snapshot') throw new Error('snapshot updates are not staged: emit the staged book, then apply() the snapshot');
    const st = this.stateFor(u);
    st.exchSeq = u.exchSeq;
    st.exchTsUs = u.exchTsUs;
    const first = !st.staged;
    if (first) {
      st.recvMonoNs = u.recvMonoNs;
      st.staged = true;
    }
    const changes = u.changes;
    if (changes !== undefined) {
      for (let i = 0; i < changes.length; i++) {
        const c = changes[i]!;
        st.book.set(c.side, c.price, c.size);
      }
    }
    return first ? st : undefined;
  }

  /** The staged changes of `st` as one delta (undefined when they cancelled out). */
  emit(st: BookState): Outgoing | undefined {
    // Not staged (any more): emitted already, or its book was replaced by a format change.
    if (!st.staged) return undefined;
    st.staged = false;
    const book = st.book;
    if (book.pendingDeltas('bid') + book.pendingDeltas('ask') === 0) return undefined;
    st.seq++;
    return this.outgoing(st, this.encoder.encodeDeltaFrom(this.header(st), book));
  }

  private stateFor(u: FeedUpdate): BookState {
    let bySymbol = this.books.get(u.exchange);
    if (bySymbol === undefined) this.books.set(u.exchange, (bySymbol = new Map()));
    let st = bySymbol.get(u.symbol);
    if (st === undefined || st.book.format.priceDecimals !== u.format.priceDecimals || st.book.format.sizeDecimals !== u.format.sizeDecimals) {
      // Start small (the ladders double as a book deepens): a whole market is mostly shallow books.
      const book = new L2Book(u.exchange, u.symbol, u.format);
      if (st === undefined) this.count++;
      else st.staged = false; // the replaced book's staged changes are void
      st = { book, subject: dataSubject(u.exchange, u.symbol, this.opts.dataSuffix), seq: st?.seq ?? 0, exchSeq: 0, exchTsUs: 0, recvMonoNs: 0, staged: false };
      bySymbol.set(u.symbol, st);
    }
    return st;
  }

  private outgoing(st: BookState, payload: Uint8Array): Outgoing {
    const o = this.out;
    o.subject = st.subject;
    o.payload = payload;
    o.state = st;
    return o;
  }

  /** The current book as a snapshot message, for request/reply; undefined for unknown books. */
  snapshot(exchange: string, symbol: string): Uint8Array | undefined {
    const st = this.books.get(exchange)?.get(symbol);
    if (!st) return undefined;
    const { bids, asks } = st.book.snapshot(this.opts.snapshotDepth);
    // REPLY: an answer to a request, not part of the data stream; TRUNCATED: deeper levels exist.
    return this.snapshotEncoder.encodeSnapshot(this.header(st, Flags.REPLY | this.truncated(st.book)), bids, asks).slice();
  }

  *states(): IterableIterator<BookState> {
    for (const bySymbol of this.books.values()) yield* bySymbol.values();
  }

  dump(): BookDump[] {
    return [...this.states()].map((st) => ({ exchange: st.book.exchange, symbol: st.book.symbol, seq: st.seq, format: st.book.format, ...st.book.snapshot() }));
  }

  private truncated(book: L2Book): number {
    const d = this.opts.snapshotDepth;
    return book.depth('bid') > d || book.depth('ask') > d ? Flags.TRUNCATED : 0;
  }

  /** The scratch header filled for `st` (encoders copy it into the payload at once). */
  private header(st: BookState, flags = 0): BookHeader {
    const h = this.scratch;
    h.exchange = st.book.exchange;
    h.symbol = st.book.symbol;
    h.format = st.book.format;
    h.epoch = this.opts.epoch;
    h.seq = st.seq;
    h.exchSeq = st.exchSeq;
    h.exchTsUs = st.exchTsUs;
    h.recvMonoNs = st.recvMonoNs;
    h.flags = flags;
    return h;
  }
}
