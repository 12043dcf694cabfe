/**
 * L3 (order-by-order) book for one symbol: resting orders by id, aggregated into an L2Book as
 * they change. Bad input (unknown ids, duplicate ids, over-sized reductions) comes back as a
 * DecodeProblem and leaves the book consistent; nothing here throws on feed data.
 */
import type { BookEvent, DecodeProblem, PriceFormat, Scaled, Side } from '../events.js';
import { L2Book } from './l2-book.js';

export interface RestingOrder {
  side: Side;
  price: Scaled;
  size: Scaled;
}

export interface L3BookOptions {
  capacityHint?: number;
  /**
   * Which price levels the L2 aggregate should follow. Orders outside the gate are still
   * tracked by id, but their level is left alone: the LOBSTER model uses this for levels it
   * cannot know. Default: every level.
   */
  levelGate?: (side: Side, price: Scaled) => boolean;
}

export class L3Book {
  readonly l2: L2Book;
  private readonly orders = new Map<number, RestingOrder>();
  private readonly gate: ((side: Side, price: Scaled) => boolean) | undefined;
  /** Reductions/deletes of unknown ids that were applied by price level instead (LOBSTER). */
  levelFallbacks = 0;

  constructor(exchange: string, symbol: string, format: PriceFormat, opts: L3BookOptions = {}) {
    this.l2 = new L2Book(exchange, symbol, format, opts.capacityHint);
    this.gate = opts.levelGate;
  }

  get orderCount(): number {
    return this.orders.size;
  }

  order(orderId: number): Readonly<RestingOrder> | undefined {
    return this.orders.get(orderId);
  }

  /** Forget every order and level. */
  clear(): void {
    this.orders.clear();
    this.l2.clear();
  }

  /**
   * Record an order the L2 aggregate already includes (e.g. seeded from a snapshot that
   * was taken after this order arrived). Returns a problem for a duplicate id.
   */
  adopt(orderId: number, side: Side, price: Scaled, size: Scaled): DecodeProblem | undefined {
    if (this.orders.has(orderId)) return { kind: 'malformed', detail: `duplicate order id ${orderId}` };
    this.orders.set(orderId, { side, price, size });
    return undefined;
  }

  add(orderId: number, side: Side, price: Scaled, size: Scaled): DecodeProblem | undefined {
    if (!(size > 0)) return { kind: size < 0 ? 'negative-size' : 'malformed', detail: `add order ${orderId} with size ${size}` };
    if (!(price >= 0)) return { kind: 'malformed', detail: `add order ${orderId} with price ${price}` };
    if (this.orders.has(orderId)) return { kind: 'malformed', detail: `duplicate order id ${orderId}` };
    this.orders.set(orderId, { side, price, size });
    this.level(side, price, size);
    return undefined;
  }

  /**
   * Remove `size` from an order (execution or partial cancel); the order leaves when nothing
   * remains. `at` (side + price) lets a feed that names the level account for an order placed
   * before the book started (LOBSTER); without it an unknown id is a problem.
   */
  reduce(orderId: number, size: Scaled, at?: { side: Side; price: Scaled }): DecodeProblem | undefined {
    if (!(size > 0)) return { kind: size < 0 ? 'negative-size' : 'malformed', detail: `reduce order ${orderId} by ${size}` };
    const o = this.orders.get(orderId);
    if (!o) return this.fallback(orderId, size, at, 'reduce');
    const removed = Math.min(size, o.size);
    o.size -= removed;
    if (o.size === 0) this.orders.delete(orderId);
    this.level(o.side, o.price, -removed);
    if (removed < size) return { kind: 'malformed', detail: `reduce order ${orderId} by ${size} but only ${removed} remained` };
    return undefined;
  }

  /** Remove an order entirely. With `at` (and its size), unknown ids are handled by level. */
  delete(orderId: number, at?: { side: Side; price: Scaled; size?: Scaled }): DecodeProblem | undefined {
    const o = this.orders.get(orderId);
    if (!o) {
      if (at?.size === undefined) return { kind: 'unknown-order', detail: `delete of unknown order ${orderId}` };
      return this.fallback(orderId, at.size, at, 'delete');
    }
    this.orders.delete(orderId);
    this.level(o.side, o.price, -o.size);
    return undefined;
  }

  /** The old order leaves; a new one with the same side and a new id, price and size arrives. */
  replace(orderId: number, newOrderId: number, price: Scaled, size: Scaled): DecodeProblem | undefined {
    const o = this.orders.get(orderId);
    if (!o) return { kind: 'unknown-order', detail: `replace of unknown order ${orderId}` };
    if (newOrderId !== orderId && this.orders.has(newOrderId)) return { kind: 'malformed', detail: `replace into existing order id ${newOrderId}` };
    if (!(size > 0)) return { kind: size < 0 ? 'negative-size' : 'malformed', detail: `replace order ${orderId} with size ${size}` };
    this.orders.delete(orderId);
    this.level(o.side, o.price, -o.size);
    this.orders.set(newOrderId, { side: o.side, price, size });
    this.level(o.side, price, size);
    return undefined;
  }

  /** Apply one normalized event. L2 events replace or edit the aggregate directly. */
  apply(ev: BookEvent): DecodeProblem | undefined {
    let p: DecodeProblem | undefined;
    switch (ev.type) {
      case 'order-add':
        p = this.add(ev.orderId, ev.side, ev.price, ev.size);
        break;
      case 'order-reduce':
        p = this.reduce(ev.orderId, ev.size, ev.side !== undefined && ev.price !== undefined ? { side: ev.side, price: ev.price } : undefined);
        break;
      case 'order-delete':
        p = this.delete(ev.orderId, ev.side !== undefined && ev.price !== undefined ? { side: ev.side, price: ev.price, size: ev.size } : undefined);
        break;
      case 'order-replace':
        p = this.replace(ev.orderId, ev.newOrderId, ev.price, ev.size);
        break;
      case 'l2-snapshot':
        this.orders.clear();
        this.l2.applySnapshot(ev.bids, ev.asks);
        break;
      case 'l2-update':
        for (const c of ev.changes) this.l2.set(c.side, c.price, c.size);
        break;
      case 'status':
        break;
    }
    if (p && p.at === undefined && ev.exchSeq > 0) p.at = ev.exchSeq;
    return p;
  }

  private fallback(orderId: number, size: Scaled, at: { side: Side; price: Scaled } | undefined, what: string): DecodeProblem | undefined {
    if (!at) return { kind: 'unknown-order', detail: `${what} of unknown order ${orderId}` };
    this.levelFallbacks++;
    if (this.gate && !this.gate(at.side, at.price)) return undefined;
    const left = this.l2.adjust(at.side, at.price, -size);
    if (left < 0) return { kind: 'unknown-order', detail: `${what} of unknown order ${orderId}: level ${at.side} ${at.price} held ${left + size}, not ${size}` };
    return undefined;
  }

  private level(side: Side, price: Scaled, delta: Scaled): void {
    if (this.gate && !this.gate(side, price)) return;
    this.l2.adjust(side, price, delta);
  }
}
