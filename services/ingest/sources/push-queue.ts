/**
 * Adapts push-style inputs (WebSocket frames, UDP datagrams) to the `updates()` async iterable
 * the ingest consumes. The ingest drains it every event-loop turn; the bound only guards
 * against a stalled consumer, and overflow is counted (the venue sync then sees a gap).
 */
export class PushQueue<T> implements AsyncIterable<T> {
  private items: T[] = [];
  private waiting: ((r: IteratorResult<T>) => void) | undefined;
  private ended = false;
  dropped = 0;

  constructor(private readonly limit = 1_000_000) {}

  push(item: T): void {
    if (this.ended) return;
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = undefined;
      w({ value: item, done: false });
    } else if (this.items.length < this.limit) this.items.push(item);
    else this.dropped++;
  }

  end(): void {
    this.ended = true;
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = undefined;
      w({ value: undefined, done: true });
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => {
        if (this.items.length) return Promise.resolve({ value: this.items.shift()!, done: false });
        if (this.ended) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => { this.waiting = resolve; });
      },
      return: () => { this.end(); return Promise.resolve({ value: undefined, done: true }); },
    };
  }
}
