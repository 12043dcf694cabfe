/**
 * Bounded FIFO of received payloads between the NATS callback and the book/handler loop, kept in
 * two ring arrays (no object per message). It never grows past its capacity: a push into a full
 * queue fails and the caller treats it as a slow consumer (drop everything, resync from
 * snapshots).
 *
 * The rings start small and double up to the capacity as the queue actually fills: a bound of a
 * million messages (a benchmark's) would otherwise cost 16 MB up front per subscriber, most of
 * it an old-generation array the GC scans and never needs.
 */
const INITIAL_SLOTS = 1024;

export class BoundedQueue {
  private payloads: Array<Uint8Array | undefined>;
  private stamps: Float64Array;
  private head = 0;
  private count = 0;
  /** Receive time of the item `shift` returned last. */
  lastRecvMonoNs = 0;

  constructor(readonly capacity: number) {
    const slots = Math.min(capacity, INITIAL_SLOTS);
    this.payloads = new Array<Uint8Array | undefined>(slots).fill(undefined);
    this.stamps = new Float64Array(slots);
  }

  get size(): number { return this.count; }

  push(payload: Uint8Array, recvMonoNs: number): boolean {
    if (this.count === this.payloads.length) {
      if (this.count === this.capacity) return false;
      this.grow();
    }
    const i = (this.head + this.count) % this.payloads.length;
    this.payloads[i] = payload;
    this.stamps[i] = recvMonoNs;
    this.count++;
    return true;
  }

  /** The oldest payload (its receive time in `lastRecvMonoNs`), or undefined when empty. */
  shift(): Uint8Array | undefined {
    if (this.count === 0) return undefined;
    const p = this.payloads[this.head];
    this.lastRecvMonoNs = this.stamps[this.head]!;
    this.payloads[this.head] = undefined;
    this.head = (this.head + 1) % this.payloads.length;
    this.count--;
    return p;
  }

  clear(): number {
    const dropped = this.count;
    this.payloads.fill(undefined);
    this.head = 0;
    this.count = 0;
    return dropped;
  }

  /** Double the rings (up to the capacity), oldest item first at slot 0. */
  private grow(): void {
    const n = this.payloads.length;
    const size = Math.min(this.capacity, n * 2);
    const payloads = new Array<Uint8Array | undefined>(size).fill(undefined);
    const stamps = new Float64Array(size);
    for (let k = 0; k < this.count; k++) {
      const i = (this.head + k) % n;
      payloads[k] = this.payloads[i];
      stamps[k] = this.stamps[i]!;
    }
    this.payloads = payloads;
    this.stamps = stamps;
    this.head = 0;
  }
}
