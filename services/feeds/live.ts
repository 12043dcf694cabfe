/**
 * What a WebSocket venue tells the live source (services/ingest/sources/websocket.ts): where to
 * connect, what to subscribe, how a frame becomes book changes, and how one symbol whose book
 * needs a snapshot is recovered by that venue's own documented procedure. The I/O (sending a
 * frame, fetching a REST body) is handed in as `RecoveryIo`, so a venue definition stays pure
 * and the generic source owns retries, backoff, the watchdog and staleness.
 */
import type { L2Book } from '../marketdata/book/l2-book.js';
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

export interface LiveVenue {
  readonly name: string;
  /** WebSocket URL to open (already including any stream list). */
  readonly url: string;
  readonly symbols: readonly string[];
  /** Frames to send once the socket is open. */
  subscribeFrames(): string[];
  /**
   * true: subscribing sends a fresh snapshot per symbol (Kraken, Coinbase), so after a (re)connect
   * the source waits for it before trying `recover`. false: the source must fetch one (Binance).
   */
  readonly snapshotOnSubscribe: boolean;
  onFrame(text: string, stamp: RecvStamp): FrameOutcome;
  book(symbol: string): L2Book | undefined;
  /** The symbol has no book it can vouch for (never synced, a gap, a checksum mismatch, a reconnect). */
  needsSnapshot(symbol: string): boolean;
  /** Forget the book's validity (a reconnect may have lost messages): wait for a snapshot. */
  invalidate(symbol: string): void;
  syncStats(): SyncStats;
  /**
   * One recovery attempt for `symbol` per the venue's documented procedure. Kraken and Coinbase:
   * unsubscribe and subscribe the symbol again (the venue answers with a snapshot). Binance:
   * fetch the REST depth snapshot and apply it over the buffered diffs. Resolves once the attempt
   * is made; the source checks `needsSnapshot` afterwards and retries with backoff.
   */
  recover(symbol: string, io: RecoveryIo): Promise<void>;
}
