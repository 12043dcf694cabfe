/**
 * Coinbase Advanced Trade level2 as a live venue (`coinbase-advanced-ws`): the sequenced Coinbase
 * feed, and the one to use. Every message on a connection carries `sequence_num`, one more per
 * message across all channels, so `decode` checks it per connection (it is connection-level
 * state, the only state decode keeps). A gap cannot be pinned to a product, so it becomes one
 * `advanced-gap` input per product known on the connection, and `keep` turns each into "this
 * product needs a snapshot". That works the same when a recording is decoded on the ingest
 * thread and kept by the worker that owns the product.
 *
 * Recovery is Coinbase's: unsubscribe the product from level2 and subscribe it again, which
 * brings a fresh snapshot. One gap invalidates every product at once, so an attempt asks for every
 * product that needs a snapshot in one unsubscribe + subscribe pair, and attempts for the others
 * in the following moments find theirs already asked for: unauthenticated clients may send only
 * 8 messages a second. The heartbeats channel keeps quiet subscriptions open (Coinbase closes a
 * channel after 60-90 s without updates) and feeds the source's silence watchdog.
 */
import type { LiveVenue, RecoveryIo } from '../live.js';
import type { AppliedListener } from '../sync.js';
import { decodeAdvancedFrame, L2_CHANNEL, type AdvancedFrame } from './advanced-decode.js';
import { ConnectionSequence } from './advanced-sequence.js';
import { CoinbaseAdvancedSync, isAdvancedInput, type AdvancedGapInput, type AdvancedInput } from './advanced-sync.js';
import { advancedSubscribe, advancedUnsubscribe } from './venue.js';

export interface CoinbaseAdvancedOptions {
  url: string;
  products: string[];
  exchange: string;
  /** Subscribe the heartbeats channel too (default true). */
  heartbeats?: boolean;
  /** Recovery attempts this close to an ask that included the product ride on it (default 250 ms). */
  coalesceMs?: number;
  now?: () => number;
  /** `dsm book replay`: see the book after each applied event. */
  onApplied?: AppliedListener;
}

export type CoinbaseAdvancedVenue = LiveVenue & {
  sync: CoinbaseAdvancedSync;
  /** The connection's sequence check (the decoding side). */
  sequence: ConnectionSequence;
  /** `error` messages from Coinbase, last one kept. */
  errors: { count: number; last?: string };
};

export function coinbaseAdvancedLive(opts: CoinbaseAdvancedOptions): CoinbaseAdvancedVenue {
  const sync = new CoinbaseAdvancedSync({ exchange: opts.exchange, onApplied: opts.onApplied });
  const sequence = new ConnectionSequence();
  const errors: { count: number; last?: string } = { count: 0 };
  const now = opts.now ?? (() => performance.now());
  const coalesceMs = opts.coalesceMs ?? 250;
  /** Products a gap must reach: the subscribed ones and any the connection has carried. */
  const known = new Set(opts.products);
  /** When each product was last asked for in a resubscribe. */
  const asked = new Map<string, number>();
  /** Numbered messages were decoded since the last connection opened. */
  let carried = false;
  /**
   * A connection opened after one that carried messages: whatever was sent between the two is
   * unknown, so its first message invalidates every product (a recording has no other sign; live,
   * the source has invalidated them already at the disconnect, and this is a no-op).
   */
  let reopened = false;

  const gapInputs = (expected: number, got: number, reason: AdvancedGapInput['reason']) =>
    [...known].map((product) => ({ symbol: product, data: { kind: 'advanced-gap', product, expected, got, reason } satisfies AdvancedGapInput }));

  return {
    name: 'coinbase',
    url: opts.url,
    symbols: opts.products,
    sync,
    sequence,
    errors,
    snapshotOnSubscribe: true,
    connectionOpened() {
      sequence.restart();
      asked.clear();
      reopened = carried;
      carried = false;
    },
    subscribeFrames: () => [advancedSubscribe('level2', opts.products), ...(opts.heartbeats === false ? [] : [advancedSubscribe('heartbeats')])],
    decode(text) {
      const f: AdvancedFrame = decodeAdvancedFrame(text);
      const inputs: Array<{ symbol: string; data: AdvancedInput }> = [];
      if (f.kind === 'error') {
        errors.count++;
        errors.last = f.message;
        return { inputs, malformed: false };
      }
      if (f.seq !== undefined) {
        const v = sequence.take(f.seq);
        // A duplicate or a straggler: its place was taken (or counted as lost) already.
        if (v.kind === 'old') return { inputs, malformed: false };
        if (reopened) inputs.push(...gapInputs(0, f.seq, 'new-connection'));
        else if (v.kind === 'gap') inputs.push(...gapInputs(v.expected, f.seq, 'lost'));
        else if (v.kind === 'new-connection') inputs.push(...gapInputs(v.expected, f.seq, 'new-connection'));
        reopened = false;
        carried = true;
      }
      if (f.kind === 'problem') {
        // A book message whose content cannot be read is as lost as one that never came.
        if (f.channel === L2_CHANNEL && f.seq !== undefined && !inputs.length) inputs.push(...gapInputs(f.seq, f.seq, 'unreadable'));
        return { inputs, malformed: true, problem: f.problem };
      }
      if (f.kind !== 'l2') return { inputs, malformed: false };
      for (const e of f.events) {
        known.add(e.product);
        if (e.type === 'snapshot') {
          const bids = e.levels.filter((l) => l.side === 'bid').map((l): [string, string] => [l.price, l.size]);
          const asks = e.levels.filter((l) => l.side === 'ask').map((l): [string, string] => [l.price, l.size]);
          inputs.push({ symbol: e.product, data: { kind: 'advanced-snapshot', product: e.product, seq: f.seq, timeUs: f.timeUs, bids, asks } });
        } else {
          inputs.push({ symbol: e.product, data: { kind: 'advanced-update', product: e.product, seq: f.seq, timeUs: f.timeUs, changes: e.levels } });
        }
      }
      return { inputs, malformed: false };
    },
    keep(data, stamp, line) {
      if (!isAdvancedInput(data)) return { events: [], problems: [{ kind: 'malformed', detail: 'not a Coinbase Advanced Trade input' }] };
      return sync.keep(data, stamp, line);
    },
    book: (s) => sync.book(s),
    needsSnapshot: (s) => sync.needsSnapshot(s),
    invalidate: (s) => sync.invalidate(s),
    syncStats: () => sync.stats,
    notes() {
      const s = sequence.stats;
      const out = s.messages ? [`${opts.exchange} sequence_num: ${s.gaps} gap(s), ${s.lost} message(s) lost, ${s.old} duplicate(s) dropped over ${s.messages} message(s)`] : [];
      if (sync.widened) out.push(`${opts.exchange}: ${sync.widened} book(s) rebuilt at more decimals`);
      if (errors.count) out.push(`${opts.exchange}: ${errors.count} error message(s) from Coinbase, last: ${errors.last}`);
      return out;
    },
    recover(product: string, io: RecoveryIo): Promise<void> {
      const t = now();
      if (t - (asked.get(product) ?? -Infinity) < coalesceMs) return Promise.resolve();
      const batch = opts.products.filter((p) => p === product || (sync.needsSnapshot(p) && t - (asked.get(p) ?? -Infinity) >= coalesceMs));
      for (const p of batch) asked.set(p, t);
      io.send(advancedUnsubscribe('level2', batch));
      io.send(advancedSubscribe('level2', batch));
      return Promise.resolve();
    },
  };
}
