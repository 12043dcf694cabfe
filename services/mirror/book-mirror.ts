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
 * Hostile or broken input (docs/security.md): a message the stream could not legitimately carry
 * is `suspect`: dropped unapplied and unbuffered, counted, and the mirror resyncs from a
 * requested snapshot. Suspect are an epoch jump beyond `maxEpochStep` (or past MAX_EPOCH), a
 * sequence jump beyond `maxSeqJump`, an unsolicited snapshot that far ahead, more levels than
 * `maxLevelsPerMessage`, and a book deeper than `maxBookDepth`. When the stream and the book
 * disagree for long (a run of fenced messages that keep chaining, or of messages far behind the
 * book: the book or its epoch came from a forged message), the mirror distrusts what it holds
 * and takes the next requested snapshot (REPLY) as the authority, epoch and sequence included.
 * A requested snapshot that is itself far ahead of the live stream is not trusted over it.
 *
 * Pure: no I/O. The caller owns the snapshot request and its retry timer (`needsSnapshot`).
 */
import { L2Book } from '../marketdata/book/l2-book.js';
import type { PriceFormat } from '../marketdata/events.js';
import { Flags } from '../wire/layout.js';
import type { WireMessage } from '../wire/message.js';
import { DeltaBuffer, type DeltaBufferLimits } from './delta-buffer.js';

export type MirrorState = 'awaiting-snapshot' | 'live';

/** Why a mirror wants a snapshot. */
export type SnapshotReason = 'late-join' | 'gap' | 'hole' | 'stale-snapshot' | 'invalidated' | 'suspect';

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
  | 'suspect' // not something the stream could carry: dropped, resync requested
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
  /** Messages dropped as suspect (see the module comment). */
  suspect: number;
  /** Times the mirror distrusted its book and resynced from a requested snapshot as the authority. */
  distrusted: number;
}

export interface BookMirrorOptions {
  /** Most deltas held while awaiting a snapshot. */
  maxBufferedDeltas?: number;
  /** Most levels (summed over buffered deltas) held while awaiting a snapshot. */
  maxBufferedLevels?: number;
  /** Largest legitimate sequence advance in one message; beyond it the message is suspect. */
  maxSeqJump?: number;
  /** Largest legitimate epoch advance (takeovers advance it by one). */
  maxEpochStep?: number;
  /** Most levels one delta or snapshot may carry. */
  maxLevelsPerMessage?: number;
  /** Most levels a side of the book may hold. */
  maxBookDepth?: number;
  /** Called when the mirror starts needing a snapshot; the caller sends the request. */
  onNeedSnapshot?: (mirror: BookMirror, reason: SnapshotReason) => void;
}

export const MIRROR_DEFAULTS = {
  maxBufferedDeltas: 10_000,
  maxBufferedLevels: 200_000,
  maxSeqJump: 1_000_000,
  maxEpochStep: 16,
  maxLevelsPerMessage: 250_000,
  maxBookDepth: 250_000,
} as const;

/** Epochs past this are never adopted from the stream (the lease never issues them: lease-machine.ts). */
export const MAX_STREAM_EPOCH = 2 ** 31;
/** Consecutive fenced-but-chaining, or far-behind, messages before the mirror distrusts its book. */
const DISAGREE_RUN = 32;


/** BookMirrorOptions with every default filled in; one per options object (see `policyFor`). */
interface MirrorPolicy {
  readonly bufferLimits: DeltaBufferLimits;
  readonly maxSeqJump: number;
  readonly maxEpochStep: number;
  readonly maxLevelsPerMessage: number;
  readonly maxBookDepth: number;
  readonly onNeedSnapshot: BookMirrorOptions['onNeedSnapshot'];
}

/**
 * Resolved once per options object: a whole market is 10,000 mirrors made with the same
 * options, and six limit fields each (plus a limits object per delta buffer) were a tenth of
 * what a new mirror put on the heap.
 */
const policies = new WeakMap<BookMirrorOptions, MirrorPolicy>();

function policyFor(opts: BookMirrorOptions): MirrorPolicy {
  let p = policies.get(opts);
  if (p === undefined) {
    p = {
      bufferLimits: {
        maxDeltas: opts.maxBufferedDeltas ?? MIRROR_DEFAULTS.maxBufferedDeltas,
        maxLevels: opts.maxBufferedLevels ?? MIRROR_DEFAULTS.maxBufferedLevels,
      },
      maxSeqJump: opts.maxSeqJump ?? MIRROR_DEFAULTS.maxSeqJump,
      maxEpochStep: opts.maxEpochStep ?? MIRROR_DEFAULTS.maxEpochStep,
      maxLevelsPerMessage: opts.maxLevelsPerMessage ?? MIRROR_DEFAULTS.maxLevelsPerMessage,
      maxBookDepth: opts.maxBookDepth ?? MIRROR_DEFAULTS.maxBookDepth,
      onNeedSnapshot: opts.onNeedSnapshot,
    };
    policies.set(opts, p);
  }
  return p;
}

export function emptyCounters(): MirrorCounters {
  return { applied: 0, duplicates: 0, gaps: 0, snapshots: 0, resyncs: 0, fenced: 0, overflowed: 0, staleSnapshots: 0, suspect: 0, distrusted: 0 };
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
  /**
   * The publisher said its book lost sync with the venue (a STALE-flagged delta): the levels held
   * are the last good ones, not current ones, until the recovery snapshot arrives in the stream.
   */
  stale = false;
  // The counters (MirrorCounters) are fields of the mirror itself, not an object of their own:
  // `applied` changes on every message, and at a whole market a second object per book is a
  // second cold cache line per message (and one more object per new book).
  applied = 0;
  duplicates = 0;
  gaps = 0;
  snapshots = 0;
  resyncs = 0;
  fenced = 0;
  overflowed = 0;
  staleSnapshots = 0;
  suspect = 0;
  distrusted = 0;
  /** Made when a delta first has to wait (most mirrors never buffer one). */
  private buffer: DeltaBuffer | undefined;
  /** Limits and callback, resolved once per options object and shared by every mirror made with it. */
  private readonly policy: MirrorPolicy;
  private announcedNeed = false;
  /** The next requested snapshot is the authority (epoch and sequence), whatever the book held. */
  distrust = false;
  /** Consecutive messages that disagree with the book (fenced yet chaining, or far behind). */
  private disagreeRun = 0;
  /** A multi-part snapshot being put together (Flags.MORE / CONTINUATION); deltas wait meanwhile. */
  private assembling: { seq: number; epoch: number } | undefined;

  constructor(
    readonly exchange: string,
    readonly symbol: string,
    readonly format: PriceFormat,
    opts: BookMirrorOptions = {},
  ) {
    // A mirror only reads its book: no delta tracking (less to allocate per new symbol, less work per level).
    // Small to start (it doubles as the book deepens): a whole market is mostly shallow books.
    this.book = new L2Book(exchange, symbol, format, 16, false);
    this.policy = policyFor(opts);
  }

  /** The counters, read as one object (the mirror itself: no copy is made). */
  get counters(): Readonly<MirrorCounters> {
    return this;
  }

  get isLive(): boolean {
    return this.state === 'live';
  }

  /** Deltas currently held for replay. */
  get buffered(): number {
    return this.buffer === undefined ? 0 : this.buffer.size;
  }

  private held(): DeltaBuffer {
    return (this.buffer ??= new DeltaBuffer(this.policy.bufferLimits));
  }

  /**
   * Feed one decoded message for this mirror's (exchange, symbol). `viaReply`: it is the reply to
   * this subscriber's own snapshot request (not merely flagged REPLY: a publisher can set flags).
   */
  onMessage(m: WireMessage, viaReply = false): MirrorOutcome {
    if (m.type === 'heartbeat') return 'ignored';
    if (viaReply && this.distrust && m.type === 'snapshot') return this.onAuthoritativeSnapshot(m);
    if (m.levelCount > this.policy.maxLevelsPerMessage) return this.dropSuspect(true);
    if (m.epoch > MAX_STREAM_EPOCH || (this.epoch > 0 && m.epoch > this.epoch + this.policy.maxEpochStep)) return this.dropSuspect(false);
    if (m.epoch < this.epoch) {
      this.fenced++;
      // A lower epoch that keeps chaining while nothing arrives under ours: our epoch came from
      // a forged message, not a takeover (a real new leader publishes too).
      if (m.seq > this.lastSeq) this.disagree();
      return 'fenced';
    }
    this.epoch = m.epoch;
    return m.type === 'delta' ? this.onDelta(m) : this.onSnapshot(m);
  }

  /** Drop a message the stream could not carry; resync (as the authority if the book may be poisoned). */
  private dropSuspect(distrustBook: boolean): MirrorOutcome {
    this.suspect++;
    if (distrustBook) this.distrustBook();
    else {
      // Keep what is buffered (real deltas) and resync: the snapshot shows where the stream is.
      this.state = 'awaiting-snapshot';
      this.needSnapshot('suspect', false);
    }
    return 'suspect';
  }

  private disagree(): void {
    if (++this.disagreeRun >= DISAGREE_RUN) this.distrustBook();
  }

  private distrustBook(): void {
    this.disagreeRun = 0;
    if (!this.distrust) this.distrusted++;
    this.distrust = true;
    this.buffer?.clear();
    this.state = 'awaiting-snapshot';
    this.needSnapshot('suspect', true);
  }

  /** A requested snapshot while distrusting: it replaces book, sequence and epoch. */
  private onAuthoritativeSnapshot(m: WireMessage): MirrorOutcome {
    if (m.epoch > MAX_STREAM_EPOCH || m.levelCount > this.policy.maxLevelsPerMessage) {
      this.suspect++;
      this.needSnapshot('suspect', true);
      return 'suspect';
    }
    this.distrust = false;
    this.disagreeRun = 0;
    this.epoch = m.epoch;
    this.buffer?.clear();
    this.book.applySnapshot(m.bids(), m.asks());
    this.book.takeDeltas();
    this.snapshots++;
    this.resyncs++;
    this.lastSeq = m.seq;
    this.hasBook = true;
    if ((m.flags & Flags.MORE) !== 0) {
      this.assembling = { seq: m.seq, epoch: m.epoch };
      this.state = 'awaiting-snapshot';
      return 'buffered';
    }
    this.assembling = undefined;
    this.state = 'live';
    this.needsSnapshot = false;
    this.announcedNeed = false;
    return 'resynced';
  }

  /** A later part of a multi-part snapshot: add its levels; the last part completes the book. */
  private onContinuation(m: WireMessage): MirrorOutcome {
    const a = this.assembling;
    if (a === undefined || a.seq !== m.seq || a.epoch !== m.epoch) {
      // Its first part was missed (or belongs to another snapshot): useless on its own.
      this.staleSnapshots++;
      if (this.state === 'awaiting-snapshot') this.needSnapshot('stale-snapshot', true);
      return 'stale-snapshot';
    }
    const book = this.book;
    book.setLevels('bid', m.prices, m.sizes, 0, m.bidCount);
    book.setLevels('ask', m.prices, m.sizes, m.bidCount, m.levelCount);
    book.takeDeltas();
    if (this.tooDeep()) return this.dropSuspect(true);
    if ((m.flags & Flags.MORE) !== 0) return 'buffered';
    this.assembling = undefined;
    return this.replayBuffered() ? 'resynced' : 'hole';
  }

  /**
   * Drop to awaiting a snapshot although no gap was seen: the caller lost messages it cannot
   * name (slow consumer, dropped queue, reconnect).
   */
  invalidate(): void {
    this.buffer?.clear();
    this.disagreeRun = 0;
    this.assembling = undefined;
    this.state = 'awaiting-snapshot';
    this.needSnapshot('invalidated', true);
  }

  private onDelta(m: WireMessage): MirrorOutcome {
    const seq = m.seq;
    if (this.hasBook && seq <= this.lastSeq) {
      this.duplicates++;
      // Far behind the book: the book's sequence came from a forged message, or the stream did.
      if (seq < this.lastSeq - this.policy.maxSeqJump) this.disagree();
      return 'duplicate';
    }
    if (this.hasBook && seq > this.lastSeq + this.policy.maxSeqJump) return this.dropSuspect(false);
    if (seq === this.lastSeq + 1 && (this.hasBook || seq === 1) && this.assembling === undefined) {
      // Live, or the missing delta turned up after all, or a subscriber present from seq 1.
      this.apply(m);
      if (this.tooDeep()) return this.dropSuspect(true);
      this.hasBook = true;
      if (this.state === 'awaiting-snapshot') this.replayBuffered();
      return 'applied';
    }
    if (this.state === 'live') {
      this.gaps++;
      this.state = 'awaiting-snapshot';
      this.held().add(m);
      this.needSnapshot('gap', true);
      return 'gap';
    }
    const r = this.held().add(m);
    if (r === 'duplicate') this.duplicates++;
    else if (r === 'overflow') this.overflowed++;
    this.needSnapshot(this.hasBook ? 'gap' : 'late-join', false);
    return r;
  }

  private onSnapshot(m: WireMessage): MirrorOutcome {
    if ((m.flags & Flags.CONTINUATION) !== 0) return this.onContinuation(m);
    const s = m.seq;
    const reset = (m.flags & Flags.RESET) !== 0;
    // Far ahead of the book: not trusted over the stream, whether pushed or requested.
    if (!reset && this.hasBook && s > this.lastSeq + this.policy.maxSeqJump) return this.dropSuspect(false);
    if (!reset && this.hasBook && (s < this.lastSeq || (s === this.lastSeq && this.state === 'live'))) {
      this.staleSnapshots++;
      // Awaiting and handed an old book: that request is spent, ask again.
      if (this.state === 'awaiting-snapshot') this.needSnapshot('stale-snapshot', true);
      return 'stale-snapshot';
    }
    this.book.applySnapshot(m.bids(), m.asks());
    this.stale = false;
    this.snapshots++;
    // The first sync of a late joiner is not a re-sync; nor is a snapshot in a healthy stream.
    if (this.hasBook && this.state === 'awaiting-snapshot') this.resyncs++;
    this.lastSeq = s;
    this.hasBook = true;
    if (reset) this.buffer?.clear();
    // Buffered deltas far beyond the snapshot are forged; they would hold the mirror in a hole forever.
    else this.buffer?.dropAbove(s + this.policy.maxSeqJump);
    this.disagreeRun = 0;
    this.state = 'awaiting-snapshot';
    if ((m.flags & Flags.MORE) !== 0) {
      this.assembling = { seq: s, epoch: m.epoch };
      return 'buffered';
    }
    this.assembling = undefined;
    return this.replayBuffered() ? 'resynced' : 'hole';
  }

  /** Apply buffered deltas that chain on; go live if none remain. Returns true when live. */
  private replayBuffered(): boolean {
    const buffer = this.buffer;
    if (buffer !== undefined) this.lastSeq = buffer.drain(this.lastSeq, (e) => this.apply(e), (e) => this.fence(e));
    if (buffer === undefined || buffer.size === 0) {
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
    this.fenced++;
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
    if ((m.flags & Flags.STALE) !== 0) this.stale = true;
    this.lastSeq = m.seq;
    this.applied++;
    this.disagreeRun = 0;
  }

  private tooDeep(): boolean {
    return this.book.depth('bid') > this.policy.maxBookDepth || this.book.depth('ask') > this.policy.maxBookDepth;
  }

  /** `again`: a new request is needed even if one was announced earlier in this episode. */
  private needSnapshot(reason: SnapshotReason, again: boolean): void {
    this.needsSnapshot = true;
    if (this.announcedNeed && !again) return;
    this.announcedNeed = true;
    this.policy.onNeedSnapshot?.(this, reason);
  }
}
