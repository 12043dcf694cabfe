/**
 * Replay a LOBSTER message file against its orderbook file: seed from the first valid
 * orderbook row, apply each later message, and compare the known levels with the row after
 * every message. Pure: takes lines, returns results. `files.ts` reads them from disk.
 */
import type { BookEvent, DecodeProblem } from '../../marketdata/events.js';
import { LobsterBookModel, type RowComparison } from './model.js';
import { isProblem, parseMessageLine, parseOrderbookLine, toBookEvent, type LobsterBookRow, type LobsterMessage } from './parse.js';

export interface LobsterReplayOptions {
  symbol: string;
  exchange?: string;
  /** Trading date YYYY-MM-DD for exchange timestamps (epoch = New York midnight); 0-based if absent. */
  midnightUs?: number;
  /**
   * Fill levels the model cannot know from the orderbook file after each message (for the live
   * pipeline). Rows are still compared first, and the summary says the book was filled.
   */
  fillUnknown?: boolean;
  /** Called after every message (and the seeding one) with the book as it stands. */
  onRow?: (r: LobsterRowResult, model: LobsterBookModel, event: BookEvent | undefined) => void;
  /** Keep per-row results in the returned object (default true). */
  keepRows?: boolean;
  /** Receive-time source for event tags; defaults to zeros (offline replay). */
  now?: () => { recvMonoNs: number; recvWallUs: number };
}

export interface LobsterRowResult extends RowComparison {
  /** 1-based message/orderbook row. */
  row: number;
  /** True for the row the book was seeded from (compared trivially). */
  seeded?: boolean;
  /** Levels filled from the orderbook file after this row (fillUnknown only). */
  filled?: number;
}

export interface LobsterSummary {
  format: 'lobster';
  exchange: string;
  symbol: string;
  events: number;
  books: number;
  seed_row: number | null;
  rows_compared: number;
  rows_matched: number;
  mismatches: number;
  first_mismatch: string | null;
  /** Average over compared rows of the known levels per side ((bids + asks) / 2). */
  known_depth_avg: number;
  /** The same over the second half of the compared rows ("later in the day"). */
  known_depth_avg_second_half: number;
  /** Per side, over all compared rows. */
  known_bid_depth_avg: number;
  known_ask_depth_avg: number;
  /** Executions/cancels of orders placed before the file started, handled by price level. */
  level_fallbacks: number;
  hidden_executions: number;
  malformed_lines: number;
  problems: number;
  fill_unknown: boolean;
  filled_levels: number;
}

export interface LobsterReplayResult {
  summary: LobsterSummary;
  rows: LobsterRowResult[];
  problems: DecodeProblem[];
}

const MAX_KEPT_PROBLEMS = 1000;

/**
 * One symbol's book through a LOBSTER session, row by row: seed from the first readable
 * orderbook row, then apply each message and compare the known levels with its row. Split from
 * reading the files so the ingest worker that owns the symbol runs it on the one book it
 * publishes (`LobsterKeeper`), while `replayLobster` runs it on parsed lines.
 */
export class LobsterStepper {
  model: LobsterBookModel | undefined;
  seedRow: number | null = null;
  compared = 0;
  matched = 0;
  firstMismatch: string | null = null;
  filledTotal = 0;
  readonly knownPerRow: number[] = [];
  readonly knownBidsPerRow: number[] = [];
  readonly knownAsksPerRow: number[] = [];

  constructor(readonly exchange: string, readonly symbol: string, readonly fillUnknown = false) {}

  /** Row `row`: its message and orderbook row (undefined where unreadable). No result before the book is seeded. */
  step(row: number, msg: LobsterMessage | undefined, bookRow: LobsterBookRow | undefined): { result?: LobsterRowResult; problem?: DecodeProblem } {
    if (!this.model) {
      if (!bookRow) return {};
      // Row k is the book after message k: seed from it and apply messages from k + 1 on.
      const model = (this.model = new LobsterBookModel(this.exchange, this.symbol, bookRow.levels));
      model.seed(bookRow, msg);
      this.seedRow = row;
      return { result: { row, seeded: true, matched: true, knownBids: model.book.depth('bid'), knownAsks: model.book.depth('ask') } };
    }
    const model = this.model;
    const problem = msg ? model.apply(msg) : undefined;
    let r: LobsterRowResult;
    if (bookRow) {
      r = { row, ...model.compare(bookRow) };
      this.compared++;
      this.knownPerRow.push((r.knownBids + r.knownAsks) / 2);
      this.knownBidsPerRow.push(r.knownBids);
      this.knownAsksPerRow.push(r.knownAsks);
      if (r.matched) this.matched++;
      else this.firstMismatch ??= `row ${row}: ${r.detail}`;
      if (this.fillUnknown) {
        r.filled = model.fillFrom(bookRow);
        this.filledTotal += r.filled;
      }
    } else {
      r = { row, matched: false, knownBids: model.book.depth('bid'), knownAsks: model.book.depth('ask'), detail: 'orderbook row unreadable' };
    }
    return problem ? { result: r, problem } : { result: r };
  }

  /** What the operator reads about the session (the ingest's notes). */
  notes(): string[] {
    const notes = [`LOBSTER ${this.symbol}: ${this.matched}/${this.compared} rows match the orderbook file; known depth ${avg(this.knownPerRow)} levels/side`];
    if (this.fillUnknown) notes.push(`LOBSTER ${this.symbol}: ${this.filledTotal} unknown level values filled from the orderbook file (a level-10 message file cannot reveal them)`);
    return notes;
  }
}

const avg = (xs: number[]) => (xs.length === 0 ? 0 : Math.round((xs.reduce((a, x) => a + x, 0) / xs.length) * 1000) / 1000);

export function replayLobster(messageLines: Iterable<string>, orderbookLines: Iterable<string>, opts: LobsterReplayOptions): LobsterReplayResult {
  const exchange = opts.exchange ?? 'NASDAQ';
  const keepRows = opts.keepRows ?? true;
  const now = opts.now ?? (() => ({ recvMonoNs: 0, recvWallUs: 0 }));
  const rows: LobsterRowResult[] = [];
  const problems: DecodeProblem[] = [];
  let problemCount = 0;
  let malformed = 0;
  const report = (p: DecodeProblem) => {
    problemCount++;
    if (problems.length < MAX_KEPT_PROBLEMS) problems.push(p);
  };
  const stepper = new LobsterStepper(exchange, opts.symbol, opts.fillUnknown);
  let events = 0;
  let hidden = 0;

  const msgIt = messageLines[Symbol.iterator]();
  const bookIt = orderbookLines[Symbol.iterator]();
  for (let row = 1; ; row++) {
    const m = msgIt.next();
    const b = bookIt.next();
    if (m.done || b.done) {
      if (!m.done || !b.done) report({ kind: 'truncated', detail: `${m.done ? 'message' : 'orderbook'} file ended at row ${row - 1} before the other`, at: row });
      break;
    }
    if (m.value.trim() === '' && b.value.trim() === '') continue;
    const msg = parseMessageLine(m.value, row);
    const bookRow = parseOrderbookLine(b.value, row);
    if (isProblem(msg)) {
      malformed++;
      report(msg);
    }
    if (isProblem(bookRow)) {
      malformed++;
      report(bookRow);
    }
    const parsedMsg = isProblem(msg) ? undefined : msg;
    const parsedRow: LobsterBookRow | undefined = isProblem(bookRow) ? undefined : bookRow;
    const event = parsedMsg ? toBookEvent(parsedMsg, { exchange, symbol: opts.symbol, ...now() }, opts.midnightUs ?? 0) : undefined;
    if (parsedMsg) {
      events++;
      if (parsedMsg.type === 5) hidden++;
    }
    const { result: r, problem } = stepper.step(row, parsedMsg, parsedRow);
    if (problem) report(problem);
    if (!r) continue;
    if (keepRows) rows.push(r);
    opts.onRow?.(r, stepper.model!, event);
  }

  const { model } = stepper;
  const summary: LobsterSummary = {
    format: 'lobster',
    exchange,
    symbol: opts.symbol,
    events,
    books: model ? 1 : 0,
    seed_row: stepper.seedRow,
    rows_compared: stepper.compared,
    rows_matched: stepper.matched,
    mismatches: stepper.compared - stepper.matched,
    first_mismatch: stepper.firstMismatch,
    known_depth_avg: avg(stepper.knownPerRow),
    known_depth_avg_second_half: avg(stepper.knownPerRow.slice(Math.floor(stepper.knownPerRow.length / 2))),
    known_bid_depth_avg: avg(stepper.knownBidsPerRow),
    known_ask_depth_avg: avg(stepper.knownAsksPerRow),
    level_fallbacks: model?.l3.levelFallbacks ?? 0,
    hidden_executions: hidden,
    malformed_lines: malformed,
    problems: problemCount,
    fill_unknown: opts.fillUnknown ?? false,
    filled_levels: stepper.filledTotal,
  };
  return { summary, rows, problems };
}

export type { LobsterMessage };
