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
 *
 * Two kinds of book: one the engine applies routed updates to, and one a live venue sync owns
 * and hands over with each update (`FeedUpdate.book`: validation and publishing share one book,
 * applied once). A book too large for one message under max_payload goes out in parts.
 */
import { L2Book } from '../marketdata/book/l2-book.js';
import type { LevelChange, PriceFormat, Scaled, Side } from '../marketdata/events.js';
import { dataSubject } from '../marketdata/subject.js';
import { Flags, WireEncoder, type BookHeader, type DeltaSource } from '../wire/index.js';
import { levelsPerMessage } from '../wire/layout.js';
import type { FeedUpdate } from './feed-update.js';
import { pubPrefix } from './frame-publisher.js';

export interface BookState {
  book: L2Book;
  subject: string;
  /** `PUB <subject> ` as bytes, made once (frame-publisher.ts writes it before every message). */
  pubPrefix: Uint8Array;
  /** The book's names as UTF-8, encoded once (the encoder writes them into every message). */
  exchangeBytes: Uint8Array;
  symbolBytes: Uint8Array;
  seq: number;
  exchSeq: number;
  exchTsUs: number;
  recvMonoNs: number;
  /** Lost sync with the venue; set by a `stale` update, cleared by the recovery snapshot. */
  stale: boolean;
  /** Coalescing: changes are staged on the book and wait for `emit` (see `stage`). */
  staged: boolean;
}

/**
 * Where a caller that finds the book's entry anyway (the ingest's router, per exchange and
 * symbol) keeps the engine's state for it, so the engine skips its own lookup: at a whole market
 * that lookup is a probe into a 10,000-entry map per update. Owned by one engine (`owner`).
 */
export interface BookSlot {
  owner: unknown;
  state: BookState | undefined;
}

export interface Outgoing {
  subject: string;
  payload: Uint8Array;
  /** Further messages to publish right after `payload`, in order (a book too large for one). */
  more: Uint8Array[] | undefined;
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

export interface PublishEngineOptions {
  epoch: number;
  dataSuffix: string;
  snapshotDepth: number;
  /** A restarted worker: a book exists again only from a venue snapshot, flagged RESET. */
  requireSnapshot?: boolean;
  maxPayloadBytes?: number;
  /**
   * Books keep their touched prices between updates, for `stage`/`emit` (opt-in coalescing).
   * Off (the default), a routed delta's changed levels are collected per update in one list the
   * engine reuses (`ChangeList`) and the engine's books keep no touched-price sets: at a whole
   * market that set was two more objects and arena regions per book, and two more cold cache
   * lines per update.
   */
  coalesce?: boolean;
  /**
   * The caller copies each payload before the next apply (frame-publisher.ts does): the engine
   * then encodes every message into one reused buffer, which stays in cache, instead of a fresh
   * slab region per message that must outlive nats.js's flush. Default false (payload views are
   * never overwritten).
   */
  transientPayloads?: boolean;
}

export class PublishEngine {
  /** exchange -> symbol -> book: two lookups on interned strings, no key built per update. */
  private readonly books = new Map<string, Map<string, BookState>>();
  private count = 0;
  /** Reused for every message: apply() hands it out and the caller uses it before the next apply. */
  private readonly out: Outgoing = { subject: '', payload: new Uint8Array(0), more: undefined, state: undefined as unknown as BookState };
  /** The levels one routed delta changed (books keep no touched prices unless coalescing). */
  private readonly changed = new ChangeList();
  private readonly scratch: BookHeader = { exchange: '', symbol: '', format: { priceDecimals: 0, sizeDecimals: 0 }, epoch: 0, seq: 0, exchSeq: 0, exchTsUs: 0, recvMonoNs: 0, flags: 0, exchangeBytes: undefined, symbolBytes: undefined };
  private readonly encoder: WireEncoder;
  /** Separate encoder for snapshot replies: they may be large and must not recycle the data slab. */
  private readonly snapshotEncoder = new WireEncoder({ mode: 'reuse', slabBytes: 64 * 1024 });
  /** Most levels one message may carry under max_payload. */
  private readonly levelsPerPart: number;

  /** Deltas dropped because their book awaits a venue snapshot (rebuild after a worker restart). */
  awaitingSnapshot = 0;

  constructor(private readonly opts: PublishEngineOptions) {
    this.levelsPerPart = levelsPerMessage(opts.maxPayloadBytes ?? 1024 * 1024);
    this.encoder = new WireEncoder(opts.transientPayloads ? { mode: 'reuse', slabBytes: 4096 } : {});
  }

  get epoch(): number { return this.opts.epoch; }
  set epoch(e: number) { this.opts.epoch = e; }

  /** Books held. */
  get size(): number { return this.count; }

  /**
   * Apply one update; returns the message(s) to publish, or undefined when nothing changed. The
   * returned object and its payload view are reused: use them before the next call.
   */
  apply(u: FeedUpdate, slot?: BookSlot): Outgoing | undefined {
    // A slot names this engine's state for the book once the book exists (states are never
    // replaced: adopt() updates one in place), so it stays right for the life of the engine.
    const held = slot !== undefined && slot.owner === this ? slot.state : this.books.get(u.exchange)?.get(u.symbol);
    if (u.kind === 'stale') return held ? this.markStale(held, u) : undefined;
    let reset = 0;
    if (!held && this.opts.requireSnapshot) {
      // Rebuilding: a book exists again only from a venue snapshot, which restarts its sequence.
      if (u.kind !== 'snapshot') { this.awaitingSnapshot++; return undefined; }
      reset = Flags.RESET;
    }
    if (u.book) return this.fromOwnedBook(held, u, u.book, reset);
    const st = this.stateFor(u, held);
    if (slot !== undefined && slot.owner !== this) {
      slot.owner = this;
      slot.state = st;
    }
    const book = st.book;
    st.exchSeq = u.exchSeq;
    st.exchTsUs = u.exchTsUs;
    st.recvMonoNs = u.recvMonoNs;
    if (u.kind === 'snapshot') {
      st.stale = false;
      book.applySnapshot(u.bids ?? [], u.asks ?? []);
      book.takeDeltas();
      return this.snapshotMessage(st, book, reset);
    }
    // Nothing reaches a stale book but its recovery snapshot (sources guarantee it; this holds the line).
    if (st.stale) return undefined;
    const changes = u.changes;
    if (this.opts.coalesce !== true) {
      // The book keeps no touched prices: the levels this update changed, in the order the book
      // would have listed them (bids first, first change first), come from the change list.
      const list = this.changed.start(book);
      if (changes !== undefined) {
        for (let i = 0; i < changes.length; i++) {
          const c = changes[i]!;
          if (book.set(c.side, c.price, c.size)) list.add(c.side, c.price);
        }
      }
      const n = list.size;
      if (n === 0) return undefined;
      if (n > this.levelsPerPart) return this.deltaMessages(st, list.toChanges());
      st.seq++;
      return this.outgoing(st, this.encoder.encodeDeltaFrom(this.header(st), list));
    }
    if (changes !== undefined) {
      for (let i = 0; i < changes.length; i++) {
        const c = changes[i]!;
        book.set(c.side, c.price, c.size);
      }
    }
    return this.deltaFromBook(st);
  }

  /**
   * Coalescing (opt-in): apply a delta update to its book without emitting a message. The book
   * collects its touched prices until `emit`, which publishes them as one delta under one
   * sequence number, so subscribers see ordinary contiguous deltas. The message carries the
   * last update's exchange sequence and time and the FIRST staged update's receive time (the
   * end-to-end latency then includes the time spent waiting to be packed).
   * Returns the book's state when this update staged it (the caller lists it for `emit`),
   * undefined when it was staged already or cannot be staged (then apply() it).
   */
  stage(u: FeedUpdate): BookState | undefined {
    if (this.opts.coalesce !== true) throw new Error('stage() needs an engine made with coalesce: true (its books keep touched prices)');
    if (u.kind !== 'delta' || u.book) throw new Error('only routed deltas are staged: apply() snapshots, stale markers and owned-book updates');
    const st = this.stateFor(u, this.books.get(u.exchange)?.get(u.symbol));
    if (st.stale) return undefined;
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

  /** Whether `u` may go through `stage`: routed deltas only, and in a rebuilding engine only for a book it holds again. */
  canStage(u: FeedUpdate): boolean {
    return this.opts.coalesce === true && u.kind === 'delta' && !u.book && (!this.opts.requireSnapshot || this.holds(u.exchange, u.symbol));
  }

  /** The staged changes of `st` as one delta (undefined when they cancelled out). */
  emit(st: BookState): Outgoing | undefined {
    // Not staged (any more): emitted already, or its book was replaced by a format change.
    if (!st.staged) return undefined;
    st.staged = false;
    return this.deltaFromBook(st);
  }

  private stateFor(u: FeedUpdate, held: BookState | undefined): BookState {
    let st = held;
    if (st === undefined || st.book.format.priceDecimals !== u.format.priceDecimals || st.book.format.sizeDecimals !== u.format.sizeDecimals) {
      // Start small (the ladders double as a book deepens, in the thread's level arena): a
      // whole market is mostly shallow books, and a small book is cheap to create and to keep.
      const book = new L2Book(u.exchange, u.symbol, u.format, 16, this.opts.coalesce === true);
      if (st !== undefined) {
        st.staged = false; // the replaced book's staged changes are void
        st.book.release(); // a routed book is the engine's own: nothing else reads it
      }
      st = this.adopt(u, book, st);
    }
    return st;
  }

  /**
   * The state for `book`: a new one on the book's first update; on a replaced book (a format
   * change) the same state object, updated in place, so anything that holds it (a router's
   * slot, a coalescing list) keeps the book's sequence line and staleness.
   */
  private adopt(u: FeedUpdate, book: L2Book, prev: BookState | undefined): BookState {
    if (prev !== undefined) {
      prev.book = book;
      prev.exchangeBytes = this.encoder.nameBytes(book.exchange, 'exchange');
      prev.symbolBytes = this.encoder.nameBytes(book.symbol, 'symbol');
      prev.exchSeq = 0;
      prev.exchTsUs = 0;
      prev.recvMonoNs = 0;
      prev.staged = false;
      return prev;
    }
    let bySymbol = this.books.get(u.exchange);
    if (bySymbol === undefined) this.books.set(u.exchange, (bySymbol = new Map()));
    this.count++;
    const subject = dataSubject(u.exchange, u.symbol, this.opts.dataSuffix);
    const st: BookState = {
      book, subject, pubPrefix: pubPrefix(subject),
      exchangeBytes: this.encoder.nameBytes(book.exchange, 'exchange'), symbolBytes: this.encoder.nameBytes(book.symbol, 'symbol'), seq: 0, exchSeq: 0, exchTsUs: 0, recvMonoNs: 0, stale: false, staged: false };
    bySymbol.set(u.symbol, st);
    return st;
  }

  /**
   * The venue sync's book is the published book (one book per symbol, applied once): its change
   * is already in it and `u.changes` are its deltas, so nothing is applied here, only encoded.
   */
  private fromOwnedBook(prev: BookState | undefined, u: FeedUpdate, book: L2Book, reset: number): Outgoing | undefined {
    // First sight, or the sync replaced its book (a resubscribe with other decimals): adopt it.
    const st = prev && prev.book === book ? prev : this.adopt(u, book, prev);
    st.exchSeq = u.exchSeq;
    st.exchTsUs = u.exchTsUs;
    st.recvMonoNs = u.recvMonoNs;
    if (u.kind === 'snapshot') {
      st.stale = false;
      return this.snapshotMessage(st, book, reset);
    }
    const changes = u.changes ?? [];
    if (st.stale || changes.length === 0) return undefined;
    return this.deltaMessages(st, changes);
  }

  /** One STALE-flagged empty delta, once per loss of sync: mirrors keep the sequence line and learn the book is not current. */
  private markStale(st: BookState, u: FeedUpdate): Outgoing | undefined {
    if (st.stale) return undefined;
    st.stale = true;
    if (st.staged) {
      // Staged changes of a book that lost sync are void (a routed book: its touched prices are ours to drop).
      st.staged = false;
      st.book.takeDeltas();
    }
    st.recvMonoNs = u.recvMonoNs;
    st.seq++;
    return this.outgoing(st, this.encoder.encodeDelta(this.header(st, Flags.STALE), []));
  }

  private snapshotMessage(st: BookState, book: L2Book, reset: number): Outgoing {
    st.seq++;
    const { bids, asks } = book.snapshot(this.opts.snapshotDepth);
    const parts = this.snapshotParts(this.encoder, st, this.truncated(book) | reset, bids, asks);
    return this.outgoing(st, parts[0]!, parts.length > 1 ? parts.slice(1) : undefined);
  }

  /** The book's touched prices as one delta, encoded straight from the book (or in parts when too many). */
  private deltaFromBook(st: BookState): Outgoing | undefined {
    const book = st.book;
    const pending = book.pendingDeltas('bid') + book.pendingDeltas('ask');
    if (pending === 0) return undefined;
    if (pending > this.levelsPerPart) return this.deltaMessages(st, book.takeDeltas());
    st.seq++;
    return this.outgoing(st, this.encoder.encodeDeltaFrom(this.header(st), book));
  }

  /** One delta message, or consecutive deltas (each its own sequence number) when the changes exceed one message. */
  private deltaMessages(st: BookState, deltas: readonly LevelChange[]): Outgoing {
    const per = this.levelsPerPart;
    st.seq++;
    if (deltas.length <= per) return this.outgoing(st, this.encoder.encodeDelta(this.header(st), deltas));
    // Parts must outlive the next encode: copies when the encoder reuses its buffer.
    const keep = this.opts.transientPayloads ? (b: Uint8Array) => b.slice() : (b: Uint8Array) => b;
    const payload = keep(this.encoder.encodeDelta(this.header(st), deltas.slice(0, per)));
    const more: Uint8Array[] = [];
    for (let i = per; i < deltas.length; i += per) {
      st.seq++;
      more.push(keep(this.encoder.encodeDelta(this.header(st), deltas.slice(i, i + per))));
    }
    return this.outgoing(st, payload, more);
  }

  /**
   * One snapshot message, or a multi-part snapshot when the levels exceed one message
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

  private outgoing(st: BookState, payload: Uint8Array, more?: Uint8Array[]): Outgoing {
    const o = this.out;
    o.subject = st.subject;
    o.payload = payload;
    o.more = more;
    o.state = st;
    return o;
  }

  /** Whether this engine holds the book (it may be stale: then it answers no snapshot request). */
  holds(exchange: string, symbol: string): boolean {
    return this.books.get(exchange)?.has(symbol) ?? false;
  }

  /** The current book as a snapshot message (the first part, if it needs several); undefined for unknown or stale books. */
  snapshot(exchange: string, symbol: string): Uint8Array | undefined {
    return this.snapshotReply(exchange, symbol)?.[0];
  }

  /** The reply to a snapshot request: one message, or the parts of a multi-part snapshot. */
  snapshotReply(exchange: string, symbol: string): Uint8Array[] | undefined {
    const st = this.books.get(exchange)?.get(symbol);
    // A stale book answered as a snapshot would be taken as good; the requester retries and the recovery snapshot arrives in the stream.
    if (!st || st.stale) return undefined;
    const { bids, asks } = st.book.snapshot(this.opts.snapshotDepth);
    // REPLY: an answer to a request, not part of the data stream; TRUNCATED: deeper levels exist.
    return this.snapshotParts(this.snapshotEncoder, st, Flags.REPLY | this.truncated(st.book), bids, asks).map((p) => p.slice());
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
    h.exchangeBytes = st.exchangeBytes;
    h.symbolBytes = st.symbolBytes;
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

/**
 * The levels one update changed, distinct by (side, price), in first-change order: what the
 * book's touched-price sets would have held after the update, without keeping sets per book. A
 * `DeltaSource` for `encodeDeltaFrom` (bids first, each level with the book's current size).
 * Reused for every update; an update changes a few levels, so a linear scan de-duplicates.
 */
/** Levels one update changes before de-duplication needs more than a scan (a few, as a rule). */
const LINEAR_DEDUP = 32;

class ChangeList implements DeltaSource {
  private book: L2Book | undefined;
  private sides = new Uint8Array(16);
  private prices = new Float64Array(16);
  private count = 0;
  private bids = 0;

  /** Past LINEAR_DEDUP levels, (side, price) keys are also kept here: a huge update stays linear. */
  private keys: Set<number> | undefined;

  start(book: L2Book): this {
    this.book = book;
    this.count = 0;
    this.bids = 0;
    this.keys?.clear();
    return this;
  }

  get size(): number {
    return this.count;
  }

  add(side: Side, price: Scaled): void {
    const s = side === 'bid' ? 0 : 1;
    if (this.count < LINEAR_DEDUP) {
      for (let k = 0; k < this.count; k++) if (this.prices[k] === price && this.sides[k] === s) return;
    } else {
      const keys = (this.keys ??= new Set());
      if (keys.size === 0) for (let k = 0; k < this.count; k++) keys.add(this.prices[k]! * 2 + this.sides[k]!);
      const key = price * 2 + s;
      if (keys.has(key)) return;
      keys.add(key);
    }
    if (this.count === this.prices.length) this.grow();
    this.sides[this.count] = s;
    this.prices[this.count++] = price;
    if (s === 0) this.bids++;
  }

  pendingDeltas(side: Side): number {
    return side === 'bid' ? this.bids : this.count - this.bids;
  }

  drainDeltas(visit: (side: Side, price: Scaled, size: Scaled) => void): number {
    const book = this.book!;
    for (let s = 0; s < 2; s++) {
      const side: Side = s === 0 ? 'bid' : 'ask';
      for (let k = 0; k < this.count; k++) if (this.sides[k] === s) visit(side, this.prices[k]!, book.sizeAt(side, this.prices[k]!));
    }
    const n = this.count;
    this.count = 0;
    this.bids = 0;
    return n;
  }

  /** As LevelChange objects, bids first (a delta too large for one message). */
  toChanges(): LevelChange[] {
    const out: LevelChange[] = [];
    this.drainDeltas((side, price, size) => out.push({ side, price, size }));
    return out;
  }

  private grow(): void {
    const sides = new Uint8Array(this.sides.length * 2);
    sides.set(this.sides);
    const prices = new Float64Array(this.prices.length * 2);
    prices.set(this.prices);
    this.sides = sides;
    this.prices = prices;
  }
}
