/**
 * Routes decoded wire messages to per-(exchange, symbol) mirrors, created on first sight, and
 * keeps the subscriber-wide view: totals, malformed payloads, and what publishers' heartbeats say.
 */
import type { PriceFormat } from '../marketdata/events.js';
import { decodeInto, type DecodeResult, type WireError } from '../wire/decode.js';
import { Flags } from '../wire/layout.js';
import { WireMessage } from '../wire/message.js';
import { BookNameTable, type NameTable } from '../wire/names.js';
import { BookMirror, emptyCounters, type BookMirrorOptions, type MirrorCounters, type MirrorOutcome } from './book-mirror.js';

export interface PublisherStatus {
  publisherId: string;
  epoch: number;
  leader: boolean;
  /** The publisher's heartbeat count. */
  heartbeatSeq: number;
  symbols: number;
  published: number;
  info: string;
  /** Publish time stamped on the last heartbeat (monotonic ns). */
  pubMonoNs: number;
}

export interface MirrorSetOptions extends BookMirrorOptions {
  /** Called after a mirror's book changed (delta applied, snapshot applied). */
  onBookChange?: (mirror: BookMirror, outcome: MirrorOutcome, m: WireMessage) => void;
  /** Interning table for the decoder (one per worker thread). */
  names?: NameTable;
  /** Most mirrors kept; messages for further books are refused and counted (default: unbounded). */
  maxBooks?: number;
}

/** Publisher statuses kept from heartbeats; forged publisher ids beyond it are not remembered. */
const MAX_PUBLISHERS = 1024;

export interface MirrorSetTotals extends MirrorCounters {
  malformed: number;
  /** Messages for a book past `maxBooks`, not mirrored. */
  booksRefused: number;
  /** Snapshot replies that were not a snapshot of the book requested. */
  mismatchedReplies: number;
  heartbeats: number;
  mirrors: number;
  live: number;
  awaiting: number;
}

export type HandleOutcome = MirrorOutcome | 'malformed' | 'heartbeat' | 'refused' | 'mismatched';

export class MirrorSet {
  private readonly byExchange = new Map<string, Map<string, BookMirror>>();
  private readonly target = new WireMessage();
  private readonly formats = new Map<number, PriceFormat>();
  readonly publishers = new Map<string, PublisherStatus>();
  malformed = 0;
  heartbeats = 0;
  booksRefused = 0;
  mismatchedReplies = 0;
  private count = 0;
  /** The mirror the last book message was routed to (saves callers a second lookup). */
  lastRouted: BookMirror | undefined;
  /** The most recent decode error, for logs and `dsm status`. */
  lastMalformed: WireError | undefined;

  /**
   * This set's own (exchange, symbol) interning: each entry remembers its mirror (`BookName.ref`),
   * so a message finds its mirror with the one lookup the decoder makes anyway.
   */
  private readonly bookNames = new BookNameTable();
  /** Bumped when a mirror is removed: every remembered mirror is looked up again once. */
  private generation = 0;

  constructor(private readonly opts: MirrorSetOptions = {}) {}

  /** Decode a payload into `m` the way `handle` wants it (its mirror found with the names). */
  decode(payload: Uint8Array, m: WireMessage): DecodeResult {
    return decodeInto(payload, m, this.opts.names, this.bookNames);
  }

  /** Decode a payload and route it. Malformed payloads are counted and skipped. */
  handleBytes(payload: Uint8Array): HandleOutcome {
    const r = this.decode(payload, this.target);
    if (!r.ok) {
      this.malformed++;
      this.lastMalformed = r;
      return 'malformed';
    }
    return this.handle(this.target);
  }

  /**
   * A snapshot reply for `mirror`: anything but a snapshot of that very book is dropped and
   * counted (a reply is trusted only for what was asked).
   */
  handleReply(payload: Uint8Array, mirror: BookMirror): HandleOutcome {
    const r = this.decode(payload, this.target);
    if (!r.ok) {
      this.malformed++;
      this.lastMalformed = r;
      return 'malformed';
    }
    const m = this.target;
    if (m.type !== 'snapshot' || m.exchange !== mirror.exchange || m.symbol !== mirror.symbol || this.get(m.exchange, m.symbol) !== mirror) {
      this.mismatchedReplies++;
      return 'mismatched';
    }
    return this.handle(m, true);
  }

  handle(m: WireMessage, viaReply = false): HandleOutcome {
    if (m.type === 'heartbeat') {
      this.onHeartbeat(m);
      return 'heartbeat';
    }
    const mirror = this.mirrorFor(m);
    if (mirror === undefined) {
      this.booksRefused++;
      return 'refused';
    }
    this.lastRouted = mirror;
    const outcome = mirror.onMessage(m, viaReply);
    if (this.opts.onBookChange !== undefined && (outcome === 'applied' || outcome === 'resynced' || outcome === 'hole')) {
      this.opts.onBookChange(mirror, outcome, m);
    }
    return outcome;
  }

  /** Every mirror, for reports (a subscriber process's end-of-run dump). */
  all(): BookMirror[] {
    return [...this.byExchange.values()].flatMap((bySymbol) => [...bySymbol.values()]);
  }

  get(exchange: string, symbol: string): BookMirror | undefined {
    return this.byExchange.get(exchange)?.get(symbol);
  }

  /** Counters of books forgotten with remove(), so a member's gaps and resyncs outlive hand-overs. */
  readonly retired: MirrorCounters = emptyCounters();

  /** Forget one book (a group member released its symbol). */
  removeSymbol(exchange: string, symbol: string): boolean {
    const mirror = this.get(exchange, symbol);
    return mirror ? this.remove(mirror) : false;
  }

  *mirrors(): IterableIterator<BookMirror> {
    for (const bySymbol of this.byExchange.values()) yield* bySymbol.values();
  }

  totals(): MirrorSetTotals {
    const t: MirrorSetTotals = { ...emptyCounters(), malformed: this.malformed, booksRefused: this.booksRefused, mismatchedReplies: this.mismatchedReplies, heartbeats: this.heartbeats, mirrors: 0, live: 0, awaiting: 0 };
    for (const mirror of this.mirrors()) {
      const c = mirror.counters;
      t.applied += c.applied;
      t.duplicates += c.duplicates;
      t.gaps += c.gaps;
      t.snapshots += c.snapshots;
      t.resyncs += c.resyncs;
      t.fenced += c.fenced;
      t.overflowed += c.overflowed;
      t.staleSnapshots += c.staleSnapshots;
      t.suspect += c.suspect;
      t.distrusted += c.distrusted;
      t.mirrors++;
      if (mirror.isLive) t.live++;
      else t.awaiting++;
    }
    return t;
  }

  /** Every mirror: the subscriber lost messages it cannot name (slow consumer, reconnect). */
  invalidateAll(): void {
    for (const mirror of this.mirrors()) mirror.invalidate();
  }

  /** Forget a mirror (a book nobody publishes: its snapshot request found no responder). */
  remove(mirror: BookMirror): boolean {
    const bySymbol = this.byExchange.get(mirror.exchange);
    if (bySymbol?.get(mirror.symbol) !== mirror) return false;
    // Its gaps and resyncs outlive it (a group member's totals survive hand-overs).
    for (const k of Object.keys(this.retired) as Array<keyof MirrorCounters>) this.retired[k] += mirror.counters[k];
    bySymbol.delete(mirror.symbol);
    if (bySymbol.size === 0) this.byExchange.delete(mirror.exchange);
    this.count--;
    this.generation++;
    // Its levels go back to the arena for the next book (a group member hands symbols over and takes others).
    mirror.book.release();
    return true;
  }

  get size(): number { return this.count; }

  private mirrorFor(m: WireMessage): BookMirror | undefined {
    const key = m.book;
    if (key !== undefined && key.owner === this && key.gen === this.generation) return key.ref as BookMirror;
    const mirror = this.lookupOrCreate(m);
    if (key !== undefined && mirror !== undefined) {
      key.owner = this;
      key.gen = this.generation;
      key.ref = mirror;
    }
    return mirror;
  }

  private lookupOrCreate(m: WireMessage): BookMirror | undefined {
    let bySymbol = this.byExchange.get(m.exchange);
    if (bySymbol === undefined) {
      bySymbol = new Map();
      this.byExchange.set(m.exchange, bySymbol);
    }
    let mirror = bySymbol.get(m.symbol);
    if (mirror === undefined) {
      if (this.count >= (this.opts.maxBooks ?? Infinity)) {
        if (bySymbol.size === 0) this.byExchange.delete(m.exchange);
        return undefined;
      }
      this.count++;
      mirror = new BookMirror(m.exchange, m.symbol, this.formatOf(m.priceDecimals, m.sizeDecimals), this.opts);
      bySymbol.set(m.symbol, mirror);
    }
    return mirror;
  }

  /** One format object per (price, size) decimals pair, shared by every mirror that has it. */
  private formatOf(priceDecimals: number, sizeDecimals: number): PriceFormat {
    const key = priceDecimals * 256 + sizeDecimals;
    let f = this.formats.get(key);
    if (f === undefined) this.formats.set(key, (f = Object.freeze({ priceDecimals, sizeDecimals })));
    return f;
  }

  private onHeartbeat(m: WireMessage): void {
    this.heartbeats++;
    const hb = m.heartbeat;
    const known = this.publishers.get(hb.publisherId);
    // Heartbeats from an older epoch of the same publisher are late arrivals: keep the newest.
    if (known !== undefined && m.epoch < known.epoch) return;
    if (known === undefined && this.publishers.size >= MAX_PUBLISHERS) return;
    const status: PublisherStatus = known ?? {
      publisherId: hb.publisherId, epoch: 0, leader: false, heartbeatSeq: 0, symbols: 0, published: 0, info: '', pubMonoNs: 0,
    };
    status.epoch = m.epoch;
    status.leader = (m.flags & Flags.LEADER) !== 0;
    status.heartbeatSeq = m.seq;
    status.symbols = hb.symbols;
    status.published = hb.published;
    status.info = hb.info;
    status.pubMonoNs = m.pubMonoNs;
    this.publishers.set(hb.publisherId, status);
  }
}
