/**
 * What a WebSocket venue tells the live source (services/ingest/sources/websocket.ts): where to
 * connect, what to subscribe, how a frame becomes book changes, and how one symbol whose book
 * needs a snapshot is recovered by that venue's own documented procedure. The I/O (sending a
 * frame, fetching a REST body) is handed in as `RecoveryIo`, so a venue definition stays pure
 * and the generic source owns retries, backoff, the watchdog and staleness.
 */
import type { L2Book } from '../marketdata/book/l2-book.js';
import type { DecodeProblem } from '../marketdata/events.js';
import type { RecvStamp, SyncResult, SyncStats } from './sync.js';

export interface RecoveryIo {
  /** Send a frame on the current connection (dropped, and logged, when it is not open). */
  send(frame: string): void;
  /** GET a URL and return its body; rejects on a network error, a non-2xx status or a timeout. */
  fetchText(url: string): Promise<string>;
  /** Hand sync output on, exactly like a frame's (so a REST snapshot is published the same way). */
  apply(result: SyncResult): void;
  stamp(): RecvStamp;
}

export interface FrameOutcome {
  result?: SyncResult;
  /** The frame itself could not be decoded. */
  malformed?: boolean;
}

/**
 * One decoded input for one symbol's book. `data` is the venue's own decoded message, a plain
 * object that survives structured cloning: a recording decoded on the ingest's main thread
 * crosses to the worker that owns the symbol as it is, and only there touches a book.
 */
export interface KeptInput {
  symbol: string;
  data: unknown;
}

export interface DecodedFrame {
  inputs: KeptInput[];
  /** The frame itself could not be decoded. */
  malformed: boolean;
  /** Why, when malformed (a replay reports it with the frame's line). */
  problem?: DecodeProblem;
}

/**
 * A venue's book keeping without its connection: its rules (sequence, checksum) and its one book
 * per symbol, fed with inputs its own `decode` produced (possibly in another thread).
 */
export interface BookKeeper {
  /** Apply one input from `decode` (or a venue-specific input such as a REST snapshot). */
  keep(data: unknown, stamp: RecvStamp, line?: number): SyncResult;
  book(symbol: string): L2Book | undefined;
  syncStats(): SyncStats;
  /** What the operator should read about the books kept (ground-truth comparisons, fills). */
  notes?(): string[];
}

/** decode + keep in one thread: what a live connection does with each frame. */
export function keepFrame(venue: Pick<LiveVenue, 'decode' | 'keep'>, text: string, stamp: RecvStamp): FrameOutcome {
  const d = venue.decode(text);
  // A frame can be malformed and still yield inputs (Coinbase Advanced: an unreadable book message is a gap).
  const malformed = d.malformed ? { malformed: true } : {};
  if (d.inputs.length === 0) return malformed;
  if (d.inputs.length === 1) return { result: venue.keep(d.inputs[0]!.data, stamp), ...malformed };
  const out: SyncResult = { events: [], problems: [] };
  for (const i of d.inputs) {
    const r = venue.keep(i.data, stamp);
    out.events.push(...r.events);
    out.problems.push(...r.problems);
  }
  return { result: out, ...malformed };
}

export interface LiveVenue extends BookKeeper {
  readonly name: string;
  /** WebSocket URL to open (already including any stream list). */
  readonly url: string;
  readonly symbols: readonly string[];
  /** Frames to send once the socket is open. */
  subscribeFrames(): string[];
  /**
   * A connection opened (live) or a recording reached a connection-open line, before any frame
   * of it is decoded: per-connection decode state starts over (Coinbase Advanced Trade numbers
   * each connection's messages from 0).
   */
  connectionOpened?(): void;
  /**
   * true: subscribing sends a fresh snapshot per symbol (Kraken, Coinbase), so after a (re)connect
   * the source waits for it before trying `recover`. false: the source must fetch one (Binance).
   */
  readonly snapshotOnSubscribe: boolean;
  /** Decode a frame into per-symbol inputs without touching a book (pure apart from connection-level state). */
  decode(text: string): DecodedFrame;
  /** The symbol has no book it can vouch for (never synced, a gap, a checksum mismatch, a reconnect). */
  needsSnapshot(symbol: string): boolean;
  /** Forget the book's validity (a reconnect may have lost messages): wait for a snapshot. */
  invalidate(symbol: string): void;
  /**
   * One recovery attempt for `symbol` per the venue's documented procedure. Kraken and Coinbase:
   * unsubscribe and subscribe the symbol again (the venue answers with a snapshot). Binance:
   * fetch the REST depth snapshot and apply it over the buffered diffs. Resolves once the attempt
   * is made; the source checks `needsSnapshot` afterwards and retries with backoff.
   */
  recover(symbol: string, io: RecoveryIo): Promise<void>;
}
