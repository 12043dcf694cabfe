/**
 * Bounded FIFO of received payloads between the NATS callback and the book/handler loop. It never
 * grows past its capacity: a push into a full queue fails and the caller treats it as a slow
 * consumer (drop everything, resync from snapshots).
 */
export interface Received {
  payload: Uint8Array;
  recvMonoNs: number;
}

export class BoundedQueue {
  private readonly items: Array<Received | undefined>;
  private head = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    this.items = new Array<Received | undefined>(capacity);
  }

  get size(): number { return this.count; }

  push(item: Received): boolean {
    if (this.count === this.capacity) return false;
    this.items[(this.head + this.count) % this.capacity] = item;
    this.count++;
    return true;
  }

  shift(): Received | undefined {
    if (this.count === 0) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) % this.capacity;
    this.count--;
    return item;
  }

  clear(): number {
    const dropped = this.count;
    this.items.fill(undefined);
    this.head = 0;
    this.count = 0;
    return dropped;
  }
}
