/**
 * Deltas held while a mirror waits for a snapshot: kept sorted by sequence, de-duplicated, and
 * bounded both in messages and in levels so a stalled resync can never grow memory without
 * limit. Entries are pooled copies: a decoder reuses its target, so a buffered delta must be
 * copied, and reusing the copies keeps repeated resyncs from allocating.
 */
import { WireMessage } from '../wire/message.js';

const POOL_MAX = 1024;
const POOL_MAX_LEVELS = 256;

export interface DeltaBufferLimits {
  maxDeltas: number;
  maxLevels: number;
}

export type BufferOutcome = 'buffered' | 'duplicate' | 'overflow';

export class DeltaBuffer {
  private readonly entries: WireMessage[] = [];
  private readonly pool: WireMessage[] = [];
  private levels = 0;

  constructor(private readonly limits: DeltaBufferLimits) {}

  get size(): number {
    return this.entries.length;
  }

  get levelCount(): number {
    return this.levels;
  }

  /** Lowest buffered sequence, or undefined when empty. */
  get firstSeq(): number | undefined {
    return this.entries[0]?.seq;
  }

  /**
   * Keep a copy of `m`. When it would exceed a limit, everything buffered is dropped first and
   * only `m` is kept ('overflow'): the newest delta is the one a future snapshot can still chain to.
   */
  add(m: WireMessage): BufferOutcome {
    const entries = this.entries;
    let at = entries.length;
    const last = entries[at - 1];
    if (last !== undefined && m.seq <= last.seq) {
      at = this.insertionPoint(m.seq);
      if (entries[at]?.seq === m.seq) return 'duplicate';
    }
    let outcome: BufferOutcome = 'buffered';
    if (entries.length + 1 > this.limits.maxDeltas || this.levels + m.levelCount > this.limits.maxLevels) {
      this.clear();
      at = 0;
      outcome = 'overflow';
    }
    const copy = (this.pool.pop() ?? new WireMessage(Math.max(4, m.levelCount))).copyFrom(m);
    if (at === entries.length) entries.push(copy);
    else entries.splice(at, 0, copy);
    this.levels += m.levelCount;
    return outcome;
  }

  /**
   * Hand entries to `apply` in sequence order: entries at or below `lastSeq` are discarded, then
   * entries continue while each is exactly the next sequence. Returns the last sequence applied
   * (or `lastSeq` if none). `skip` says which entries to discard unapplied (fenced epochs).
   */
  drain(lastSeq: number, apply: (m: WireMessage) => void, skip: (m: WireMessage) => boolean): number {
    const entries = this.entries;
    let i = 0;
    for (; i < entries.length; i++) {
      const e = entries[i]!;
      if (e.seq <= lastSeq || skip(e)) continue;
      if (e.seq !== lastSeq + 1) break;
      apply(e);
      lastSeq = e.seq;
    }
    this.release(0, i);
    return lastSeq;
  }

  /** Discard entries with a sequence above `seq`. */
  dropAbove(seq: number): void {
    const at = this.insertionPoint(seq + 1);
    this.release(at, this.entries.length);
  }

  clear(): void {
    this.release(0, this.entries.length);
  }

  private release(from: number, to: number): void {
    if (to <= from) return;
    const removed = this.entries.splice(from, to - from);
    for (const e of removed) {
      this.levels -= e.levelCount;
      // A pool is for the common small delta: cap its count and skip copies of huge messages.
      if (this.pool.length < POOL_MAX && e.prices.length <= POOL_MAX_LEVELS) this.pool.push(e);
    }
  }

  private insertionPoint(seq: number): number {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.entries[mid]!.seq < seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
