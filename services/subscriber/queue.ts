/**
 * Bounded FIFO of received payloads between the NATS callback and the book/handler loop, kept in
 * two preallocated ring arrays (no object per message). It never grows past its capacity: a push
 * into a full queue fails and the caller treats it as a slow consumer (drop everything, resync
 * from snapshots).
 */
export class BoundedQueue {
  private readonly payloads: Array<Uint8Array | undefined>;
  private readonly stamps: Float64Array;
  private head = 0;
  private count = 0;
  /** Receive time of the item `shift` returned last. */
  lastRecvMonoNs = 0;

  constructor(readonly capacity: number) {
    this.payloads = new Array<Uint8Array | undefined>(capacity);
    this.stamps = new Float64Array(capacity);
  }

  get size(): number { return this.count; }

  push(payload: Uint8Array, recvMonoNs: number): boolean {
    if (this.count === this.capacity) return false;
    const i = (this.head + this.count) % this.capacity;
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
    this.head = (this.head + 1) % this.capacity;
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
}
