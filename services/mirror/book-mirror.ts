/**
 * A subscriber's copy of one (exchange, symbol) book, kept equal to the publisher's by sequence.
 *
 * States:
 * - `awaiting-snapshot`: just created (late joiner) or after a gap; deltas are buffered (bounded)
 *   and the caller is asked, once per episode, to request a snapshot;
 * - `live`: every delta is exactly the next sequence and is applied as it arrives.
 *
 * Fencing: the mirror remembers the highest publisher epoch it has seen and ignores anything
 * older (a deposed leader). A newer epoch continues the same sequence line, because publishers
 * derive sequences from the feed; one that cannot sends a RESET snapshot instead.
 *
 * Pure: no I/O. The caller owns the snapshot request and its retry timer (`needsSnapshot`).
 */
import { L2Book } from '../marketdata/book/l2-book.js';
import type { PriceFormat } from '../marketdata/events.js';
import { Flags } from '../wire/layout.js';
import type { WireMessage } from '../wire/message.js';
import { DeltaBuffer } from './delta-buffer.js';

export type MirrorState = 'awaiting-snapshot' | 'live';

/** Why a mirror wants a snapshot. */
export type SnapshotReason = 'late-join' | 'gap' | 'hole' | 'stale-snapshot' | 'invalidated';

export type MirrorOutcome =
  | 'applied' // delta applied (possibly releasing buffered ones)
  | 'resynced' // snapshot applied, buffered deltas replayed, mirror is live
  | 'hole' // snapshot applied but buffered deltas do not chain to it: still awaiting
  | 'buffered' // held until a snapshot arrives
  | 'overflow' // buffer limit hit: older buffered deltas dropped, this one kept
  | 'gap' // sequence jumped: now awaiting a snapshot
  | 'duplicate' // sequence already applied (or already buffered)
  | 'stale-snapshot' // snapshot older than the book held
  | 'fenced' // epoch lower than one already seen
  | 'ignored'; // not a book message (heartbeat)

export interface MirrorCounters {
  /** Deltas applied to the book (live or replayed from the buffer). */
  applied: number;
  duplicates: number;
  gaps: number;
  /** Snapshots applied, for whatever reason (late join, recovery, a snapshot in the stream). */
  snapshots: number;
  /** Snapshots that restored a mirror which had a book and lost sync (gap, invalidate, hole). */
  resyncs: number;
  fenced: number;
  /** Times the delta buffer hit its limit and was dropped. */
  overflowed: number;
  staleSnapshots: number;
}

export interface BookMirrorOptions {
  /** Most deltas held while awaiting a snapshot. */
  maxBufferedDeltas?: number;
  /** Most levels (summed over buffered deltas) held while awaiting a snapshot. */
  maxBufferedLevels?: number;
  /** Called when the mirror starts needing a snapshot; the caller sends the request. */
  onNeedSnapshot?: (mirror: BookMirror, reason: SnapshotReason) => void;
}

export const MIRROR_DEFAULTS = {
  maxBufferedDeltas: 10_000,
  maxBufferedLevels: 200_000,
} as const;


export function emptyCounters(): MirrorCounters {
  return { applied: 0, duplicates: 0, gaps: 0, snapshots: 0, resyncs: 0, fenced: 0, overflowed: 0, staleSnapshots: 0 };
}

export class BookMirror {
  readonly book: L2Book;
  state: MirrorState = 'awaiting-snapshot';
  /** Sequence the book reflects (0: nothing yet). */
  lastSeq = 0;
  /** Highest publisher epoch seen. */
  epoch = 0;
  /** True once the book reflects a real publisher state (a snapshot, or the stream from seq 1). */
  hasBook = false;
  needsSnapshot = true;
  readonly counters: MirrorCounters = emptyCounters();
  private readonly buffer: DeltaBuffer;
  private readonly onNeedSnapshot: BookMirrorOptions['onNeedSnapshot'];
  private announcedNeed = false;

  constructor(
    readonly exchange: string,
    readonly symbol: string,
    readonly format: PriceFormat,
    opts: BookMirrorOptions = {},
  ) {
    // A mirror only reads its book: no delta tracking (less to allocate per new symbol, less work per level).
    this.book = new L2Book(exchange, symbol, format, 64, false);
    this.buffer = new DeltaBuffer({
      maxDeltas: opts.maxBufferedDeltas ?? MIRROR_DEFAULTS.maxBufferedDeltas,
      maxLevels: opts.maxBufferedLevels ?? MIRROR_DEFAULTS.maxBufferedLevels,
    });
    this.onNeedSnapshot = opts.onNeedSnapshot;
  }

  get isLive(): boolean {
    return this.state === 'live';
  }

  /** Deltas currently held for replay. */
  get buffered(): number {
    return this.buffer.size;
  }

  /** Feed one decoded message for this mirror's (exchange, symbol). */
  onMessage(m: WireMessage): MirrorOutcome {
    if (m.type === 'heartbeat') return 'ignored';
    if (m.epoch < this.epoch) {
      this.counters.fenced++;
      return 'fenced';
    }
    this.epoch = m.epoch;
    return m.type === 'delta' ? this.onDelta(m) : this.onSnapshot(m);
  }

  /**
   * Drop to awaiting a snapshot although no gap was seen: the caller lost messages it cannot
   * name (slow consumer, dropped queue, reconnect).
   */
  invalidate(): void {
    this.buffer.clear();
    this.state = 'awaiting-snapshot';
    this.needSnapshot('invalidated', true);
  }

  private onDelta(m: WireMessage): MirrorOutcome {
    const seq = m.seq;
    if (this.hasBook && seq <= this.lastSeq) {
      this.counters.duplicates++;
      return 'duplicate';
    }
    if (seq === this.lastSeq + 1 && (this.hasBook || seq === 1)) {
      // Live, or the missing delta turned up after all, or a subscriber present from seq 1.
      this.apply(m);
      this.hasBook = true;
      if (this.state === 'awaiting-snapshot') this.replayBuffered();
      return 'applied';
    }
    if (this.state === 'live') {
      this.counters.gaps++;
      this.state = 'awaiting-snapshot';
      this.buffer.add(m);
      this.needSnapshot('gap', true);
      return 'gap';
    }
    const r = this.buffer.add(m);
    if (r === 'duplicate') this.counters.duplicates++;
    else if (r === 'overflow') this.counters.overflowed++;
    this.needSnapshot(this.hasBook ? 'gap' : 'late-join', false);
    return r;
  }

  private onSnapshot(m: WireMessage): MirrorOutcome {
    const s = m.seq;
    const reset = (m.flags & Flags.RESET) !== 0;
    if (!reset && this.hasBook && (s < this.lastSeq || (s === this.lastSeq && this.state === 'live'))) {
      this.counters.staleSnapshots++;
      // Awaiting and handed an old book: that request is spent, ask again.
      if (this.state === 'awaiting-snapshot') this.needSnapshot('stale-snapshot', true);
      return 'stale-snapshot';
    }
    this.book.applySnapshot(m.bids(), m.asks());
    this.counters.snapshots++;
    // The first sync of a late joiner is not a re-sync; nor is a snapshot in a healthy stream.
    if (this.hasBook && this.state === 'awaiting-snapshot') this.counters.resyncs++;
    this.lastSeq = s;
    this.hasBook = true;
    if (reset) this.buffer.clear();
    this.state = 'awaiting-snapshot';
    return this.replayBuffered() ? 'resynced' : 'hole';
  }

  /** Apply buffered deltas that chain on; go live if none remain. Returns true when live. */
  private replayBuffered(): boolean {
    this.lastSeq = this.buffer.drain(this.lastSeq, (e) => this.apply(e), (e) => this.fence(e));
    if (this.buffer.size === 0) {
      this.state = 'live';
      this.needsSnapshot = false;
      this.announcedNeed = false;
      return true;
    }
    // Deltas remain beyond a hole: only a newer snapshot can bridge it.
    this.needSnapshot('hole', true);
    return false;
  }

  private fence(m: WireMessage): boolean {
    if (m.epoch >= this.epoch) return false;
    this.counters.fenced++;
    return true;
  }

  private apply(m: WireMessage): void {
    const book = this.book;
    const prices = m.prices;
    const sizes = m.sizes;
    const bids = m.bidCount;
    const n = bids + m.askCount;
    for (let i = 0; i < bids; i++) book.set('bid', prices[i]!, sizes[i]!);
    for (let i = bids; i < n; i++) book.set('ask', prices[i]!, sizes[i]!);
    this.lastSeq = m.seq;
    this.counters.applied++;
  }

  /** `again`: a new request is needed even if one was announced earlier in this episode. */
  private needSnapshot(reason: SnapshotReason, again: boolean): void {
    this.needsSnapshot = true;
    if (this.announcedNeed && !again) return;
    this.announcedNeed = true;
    this.onNeedSnapshot?.(this, reason);
  }
}
