/**
 * The ingest's books and what it publishes from them. Pure: no NATS, no threads. A worker owns
 * one engine and thereby its symbols' books; nothing else touches them.
 *
 * Sequences are per symbol, contiguous from 1, and advance once per published message, so the
 * same feed always yields the same sequence numbers (a hot standby fed the same events publishes
 * the same ones). Only books that changed are published.
 */
import { L2Book } from '../marketdata/book/l2-book.js';
import type { LevelChange, PriceFormat, Scaled } from '../marketdata/events.js';
import { dataSubject } from '../marketdata/subject.js';
import { Flags, WireEncoder } from '../wire/index.js';
import { levelsPerMessage } from '../wire/layout.js';
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
  /** Further messages to publish right after `payload`, in order (a book too large for one). */
  more?: Uint8Array[];
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

  /** Most levels one message may carry under max_payload. */
  private readonly levelsPerPart: number;

  constructor(private readonly opts: { epoch: number; dataSuffix: string; snapshotDepth: number; requireSnapshot?: boolean; maxPayloadBytes?: number }) {
    this.levelsPerPart = levelsPerMessage(opts.maxPayloadBytes ?? 1024 * 1024);
  }

  get epoch(): number { return this.opts.epoch; }
  set epoch(e: number) { this.opts.epoch = e; }

  /** Apply one update; returns the message to publish, or undefined when nothing changed. */
  apply(u: FeedUpdate): Outgoing | undefined {
    const key = `${u.exchange}\u0000${u.symbol}`;
    let st = this.books.get(key);
    if (u.kind === 'stale') return st ? this.markStale(st, u) : undefined;
    let reset = 0;
    if (!st && this.opts.requireSnapshot) {
      // Rebuilding: a book exists again only from a venue snapshot, which restarts its sequence.
      if (u.kind !== 'snapshot') { this.awaitingSnapshot++; return undefined; }
      reset = Flags.RESET;
    }
    if (u.book) return this.fromOwnedBook(key, st, u, u.book, reset);
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
      const parts = this.snapshotParts(this.encoder, st, this.truncated(book) | reset, bids, asks);
      return { subject: st.subject, payload: parts[0]!, ...(parts.length > 1 ? { more: parts.slice(1) } : {}), state: st };
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
    return this.deltaMessages(st, deltas);
  }

  /** One delta message, or consecutive deltas (each its own sequence number) when the changes exceed one message. */
  private deltaMessages(st: BookState, deltas: readonly LevelChange[]): Outgoing {
    const per = this.levelsPerPart;
    st.seq++;
    if (deltas.length <= per) return { subject: st.subject, payload: this.encoder.encodeDelta(this.header(st), deltas), state: st };
    const payload = this.encoder.encodeDelta(this.header(st), deltas.slice(0, per));
    const more: Uint8Array[] = [];
    for (let i = per; i < deltas.length; i += per) {
      st.seq++;
      more.push(this.encoder.encodeDelta(this.header(st), deltas.slice(i, i + per)));
    }
    return { subject: st.subject, payload, more, state: st };
  }

  /**
   * The venue sync's book is the published book (one book per symbol, applied once): its change
   * is already in it and `u.changes` are its deltas, so nothing is applied here, only encoded.
   */
  private fromOwnedBook(key: string, prev: BookState | undefined, u: FeedUpdate, book: L2Book, reset: number): Outgoing | undefined {
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
      const parts = this.snapshotParts(this.encoder, st, this.truncated(book) | reset, bids, asks);
      return { subject: st.subject, payload: parts[0]!, ...(parts.length > 1 ? { more: parts.slice(1) } : {}), state: st };
    }
    const changes = u.changes ?? [];
    if (st.stale || changes.length === 0) return undefined;
    return this.deltaMessages(st, changes);
  }

  /** One STALE-flagged empty delta, once per loss of sync: mirrors keep the sequence line and learn the book is not current. */
  private markStale(st: BookState, u: FeedUpdate): Outgoing | undefined {
    if (st.stale) return undefined;
    st.stale = true;
    st.recvMonoNs = u.recvMonoNs;
    st.seq++;
    return { subject: st.subject, payload: this.encoder.encodeDelta(this.header(st, Flags.STALE), []), state: st };
  }

  /**
   One snapshot message, or a multi-part snapshot when the levels exceed one message
   * (docs/wire-format.md): every part has the same epoch and seq; the first replaces the book,
   * the rest (CONTINUATION) add levels; every part but the last carries MORE.
   */
  private snapshotParts(enc: WireEncoder, st: BookState, flags: number, bids: Array<[Scaled, Scaled]>, asks: Array<[Scaled, Scaled]>): Uint8Array[] {
    const per = this.levelsPerPart;
    if (bids.length + asks.length <= per) return [enc.encodeSnapshot(this.header(st, flags), bids, asks)];
    const parts: Uint8Array[] = [];
    let b = 0;
    let a = 0;
    while (b < bids.length || a < asks.length) {
      const nb = Math.min(per, bids.length - b);
      const na = Math.min(per - nb, asks.length - a);
      const last = b + nb >= bids.length && a + na >= asks.length;
      const f = flags | (parts.length ? Flags.CONTINUATION : 0) | (last ? 0 : Flags.MORE);
      // Reuse-mode encoders overwrite their buffer: keep a copy of each part.
      parts.push(enc.encodeSnapshot(this.header(st, f), bids.slice(b, b + nb), asks.slice(a, a + na)).slice());
      b += nb;
      a += na;
    }
    return parts;
  }

  /** The current book as a snapshot message (the first part, if it needs several); undefined for unknown or stale books. */
  snapshot(exchange: string, symbol: string): Uint8Array | undefined {
    return this.snapshotReply(exchange, symbol)?.[0];
  }

  /** The reply to a snapshot request: one message, or the parts of a multi-part snapshot. */
  snapshotReply(exchange: string, symbol: string): Uint8Array[] | undefined {
    const st = this.books.get(`${exchange}\u0000${symbol}`);
    // A stale book answered as a snapshot would be taken as good; the requester retries and the recovery snapshot arrives in the stream.
    if (!st || st.stale) return undefined;
    const { bids, asks } = st.book.snapshot(this.opts.snapshotDepth);
    // REPLY: an answer to a request, not part of the data stream; TRUNCATED: deeper levels exist.
    return this.snapshotParts(this.snapshotEncoder, st, Flags.REPLY | this.truncated(st.book), bids, asks).map((p) => p.slice());
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

