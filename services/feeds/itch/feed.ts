/**
 * ITCH feed handler: MoldUDP64 packets (or a historical length-prefixed stream) in, normalized
 * BookEvents and one L3 book per symbol out. Symbols come from the stock directory (R) or the
 * Stock field of add orders, keyed by stock locate, which every later message carries.
 * Nothing here throws on feed bytes: problems are counted and kept for the summary.
 */
import type { BookEvent, DecodeProblem, EventTags } from '../../marketdata/events.js';
import { L3Book } from '../../marketdata/book/l3-book.js';
import { decodeItch } from './codec.js';
import { ITCH_FORMAT, type ItchMessage } from './messages.js';
import { HoldingSequencer, type HeldGap } from './gap-filler.js';
import { MoldSequencer, decodeMoldPacket, splitItchStream } from './moldudp64.js';

const SYSTEM_EVENTS: Record<string, string> = {
  O: 'start-of-messages',
  S: 'start-of-system-hours',
  Q: 'start-of-market-hours',
  M: 'end-of-market-hours',
  E: 'end-of-system-hours',
  C: 'end-of-messages',
};

export interface ItchFeedOptions {
  exchange?: string;
  /** Epoch microseconds of the session's midnight (exchange time); 0 if unknown. */
  midnightUs?: number;
  /** Receive-time source for tags; zeros for offline replay. */
  now?: () => { recvMonoNs: number; recvWallUs: number };
  /** Called for every event that carries book data, after it was applied to `book`. */
  onEvent?: (event: BookEvent, book: L3Book | undefined) => void;
  /** MoldUDP64: sequence number to expect first (default: whatever the first packet says). */
  expectFrom?: number;
  /**
   * MoldUDP64 with a re-request server: hold messages after a gap until the caller has the range
   * retransmitted (or calls `skipGap`), instead of applying past it.
   */
  holdGaps?: boolean;
  /**
   * false: decode only, keep no book here (`onEvent` gets every event with no book): the ingest
   * routes the events to the worker that owns each symbol, whose ItchBookKeeper keeps its one book.
   */
  keepBooks?: boolean;
}

export interface ItchSummary {
  format: 'itch';
  exchange: string;
  messages: number;
  events: number;
  books: number;
  skipped_messages: number;
  unknown_types: number;
  malformed: number;
  unknown_orders: number;
  packets: number;
  heartbeats: number;
  gaps: number;
  missing_messages: number;
  duplicates: number;
  end_of_session: boolean;
  problems: number;
  /** With holdGaps: messages that arrived by retransmission, and those given up on. */
  retransmitted?: number;
  lost?: number;
}

const MAX_KEPT_PROBLEMS = 1000;

export class ItchFeed {
  readonly exchange: string;
  readonly books = new Map<string, L3Book>();
  private readonly symbols = new Map<number, string>();
  private readonly sequencer: MoldSequencer | HoldingSequencer;
  readonly problems: DecodeProblem[] = [];
  private readonly counts = { messages: 0, events: 0, skipped: 0, unknownTypes: 0, malformed: 0, unknownOrders: 0, packets: 0, heartbeats: 0, gaps: 0, missing: 0, duplicates: 0, problems: 0 };
  private streamIndex = 0;

  constructor(private readonly opts: ItchFeedOptions = {}) {
    this.exchange = opts.exchange ?? 'NASDAQ';
    this.sequencer = opts.holdGaps ? new HoldingSequencer() : new MoldSequencer({ expectFrom: opts.expectFrom });
  }

  /** One MoldUDP64 datagram. */
  handlePacket(bytes: Uint8Array): void {
    this.counts.packets++;
    const p = decodeMoldPacket(bytes);
    if ('detail' in p) return this.report(p, this.counts.packets);
    const r = this.sequencer.accept(p);
    if (r.foreignSession) return this.report({ kind: 'out-of-order', detail: `packet from session "${p.session}" while following "${this.sequencer.session}"` }, this.counts.packets);
    if (r.afterEnd) return this.report({ kind: 'out-of-order', detail: 'packet after end of session' }, this.counts.packets);
    if (p.kind === 'heartbeat') this.counts.heartbeats++;
    if (r.gap) {
      this.counts.gaps++;
      // A held gap is only missing once it is given up on (skipGap).
      if (!(this.sequencer instanceof HoldingSequencer)) this.counts.missing += r.gap.to - r.gap.from + 1;
      this.report({ kind: 'gap', detail: `MoldUDP64 sequence ${r.gap.from}..${r.gap.to} missing (${r.gap.to - r.gap.from + 1} messages)`, at: r.gap.from });
    }
    this.counts.duplicates += r.duplicates;
    for (const m of r.deliver) this.handleMessage(m.bytes, m.sequence);
  }

  /** A historical ITCH file: [length | message] repeated; messages are numbered from 1. */
  handleStream(bytes: Uint8Array): void {
    for (const m of splitItchStream(bytes)) {
      if ('detail' in m) this.report(m, this.streamIndex + 1);
      else this.handleMessage(m, ++this.streamIndex);
    }
  }

  /** One ITCH message; `seq` is its MoldUDP64 sequence number or stream position. */
  handleMessage(bytes: Uint8Array, seq: number): void {
    this.counts.messages++;
    const msg = decodeItch(bytes);
    if ('detail' in msg) return this.report(msg, seq);
    if (msg.type === 'skipped') {
      this.counts.skipped++;
      return;
    }
    const event = this.toEvent(msg, seq);
    if (!event) return;
    if ('detail' in event) return this.report(event, seq);
    this.counts.events++;
    const book = event.type === 'status' || this.opts.keepBooks === false ? undefined : this.bookFor(event.symbol);
    const problem = book?.apply(event);
    if (problem) this.report(problem, seq);
    this.opts.onEvent?.(event, book);
  }

  /** With holdGaps: the range being held for, if any. */
  pendingGap(): HeldGap | undefined {
    return this.sequencer instanceof HoldingSequencer ? this.sequencer.gap() : undefined;
  }

  /** The session being followed (for re-requests). */
  get session(): string | undefined {
    return this.sequencer.session;
  }

  /** With holdGaps: give up on the pending range (counted missing) and apply what was held beyond it. */
  skipGap(): void {
    if (!(this.sequencer instanceof HoldingSequencer)) return;
    const g = this.sequencer.gap();
    if (!g) return;
    this.counts.missing += g.to - g.from + 1;
    this.report({ kind: 'gap', detail: `MoldUDP64 sequence ${g.from}..${g.to} never retransmitted; skipped`, at: g.from });
    for (const m of this.sequencer.skip()) this.handleMessage(m.bytes, m.sequence);
  }

  get endOfSession(): boolean {
    return this.sequencer.ended;
  }

  summary(): ItchSummary {
    const c = this.counts;
    return {
      format: 'itch', exchange: this.exchange, messages: c.messages, events: c.events, books: this.books.size,
      skipped_messages: c.skipped, unknown_types: c.unknownTypes, malformed: c.malformed, unknown_orders: c.unknownOrders,
      packets: c.packets, heartbeats: c.heartbeats, gaps: c.gaps, missing_messages: c.missing, duplicates: c.duplicates,
      end_of_session: this.sequencer.ended, problems: c.problems,
      ...(this.sequencer instanceof HoldingSequencer ? { retransmitted: this.sequencer.filled, lost: this.sequencer.lost } : {}),
    };
  }

  /** Symbol for a stock locate, as learned from the directory or add orders. */
  symbolOf(stockLocate: number): string | undefined {
    return this.symbols.get(stockLocate);
  }

  private bookFor(symbol: string): L3Book {
    let b = this.books.get(symbol);
    if (!b) {
      b = new L3Book(this.exchange, symbol, ITCH_FORMAT);
      this.books.set(symbol, b);
    }
    return b;
  }

  private toEvent(msg: ItchMessage, seq: number): BookEvent | DecodeProblem | undefined {
    if (msg.type === 'R') {
      this.symbols.set(msg.stockLocate, msg.stock);
      if (this.opts.keepBooks !== false) this.bookFor(msg.stock);
      return undefined;
    }
    if (msg.type === 'A' || msg.type === 'F') {
      if (!this.symbols.has(msg.stockLocate)) this.symbols.set(msg.stockLocate, msg.stock);
    }
    const symbol = msg.type === 'S' ? '' : this.symbols.get(msg.stockLocate);
    if (symbol === undefined) return { kind: 'malformed', detail: `ITCH '${msg.type}' for stock locate ${msg.stockLocate}, which no directory entry or add order named` };
    const now = this.opts.now?.() ?? { recvMonoNs: 0, recvWallUs: 0 };
    const t: EventTags = { exchange: this.exchange, symbol, exchSeq: seq, exchTsUs: (this.opts.midnightUs ?? 0) + Math.floor(msg.timestampNs / 1000), ...now };
    switch (msg.type) {
      case 'S':
        return { ...t, type: 'status', status: SYSTEM_EVENTS[msg.eventCode] ?? `system-event-${msg.eventCode}` };
      case 'A':
      case 'F':
        return { ...t, type: 'order-add', orderId: msg.orderRef, side: msg.side === 'B' ? 'bid' : 'ask', price: msg.price, size: msg.shares };
      case 'E':
        return { ...t, type: 'order-reduce', orderId: msg.orderRef, size: msg.executedShares, reason: 'execute' };
      case 'C':
        return { ...t, type: 'order-reduce', orderId: msg.orderRef, size: msg.executedShares, reason: 'execute', execPrice: msg.executionPrice };
      case 'X':
        return { ...t, type: 'order-reduce', orderId: msg.orderRef, size: msg.cancelledShares, reason: 'cancel' };
      case 'D':
        return { ...t, type: 'order-delete', orderId: msg.orderRef };
      case 'U':
        return { ...t, type: 'order-replace', orderId: msg.originalOrderRef, newOrderId: msg.newOrderRef, price: msg.price, size: msg.shares };
    }
  }

  /** Count a problem found outside the feed (e.g. by a file splitter). */
  report(p: DecodeProblem, at?: number): void {
    if (p.at === undefined && at !== undefined) p.at = at;
    this.counts.problems++;
    if (p.kind === 'unknown-type') this.counts.unknownTypes++;
    else if (p.kind === 'unknown-order') this.counts.unknownOrders++;
    else if (p.kind === 'malformed' || p.kind === 'truncated' || p.kind === 'negative-size') this.counts.malformed++;
    if (this.problems.length < MAX_KEPT_PROBLEMS) this.problems.push(p);
  }
}
