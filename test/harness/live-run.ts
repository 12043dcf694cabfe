/**
 * Shared by the live-recovery tests: waiting on a condition, the fast feed connection settings
 * they run with, and `LiveRun`, a WebSocketSource feeding the real PublishEngine the way an
 * ingest does, with the checks every venue's recovery must pass (books equal to the peer's, nothing
 * but a STALE marker and then a snapshot handed on while a book is being recovered).
 */
import { expect } from 'vitest';
import { FeedConnectionSchema, type FeedConnection } from '../../config/feed-connection.js';
import type { LiveVenue } from '../../services/feeds/live.js';
import type { PeerBook } from '../../services/feeds/peer.js';
import type { FeedUpdate } from '../../services/ingest/feed-update.js';
import { PublishEngine } from '../../services/ingest/publish-engine.js';
import { WebSocketSource } from '../../services/ingest/sources/websocket.js';
import { IngestService } from '../../services/ingest/service.js';
import { Subscriber, type UpdateHandler } from '../../services/subscriber/subscriber.js';
import type { TestCluster } from './cluster.js';
import { Flags } from '../../services/wire/index.js';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Poll `cond` every `everyMs` until it holds; throws naming `what` after `timeoutMs`. */
export async function waitFor(what: string, cond: () => boolean, timeoutMs = 15_000, everyMs = 10): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Feed connection settings fast enough for tests (a peer on loopback answers in milliseconds). */
export function testConnection(over: Record<string, unknown> = {}): FeedConnection {
  return FeedConnectionSchema.parse({
    watchdogMs: 5_000,
    reconnect: { baseMs: 20, maxMs: 200, jitterMs: 10 },
    recovery: { baseMs: 20, maxMs: 300, jitterMs: 10 },
    recoveryTimeoutMs: 500,
    restTimeoutMs: 1_000,
    ...over,
  });
}

export class LiveRun<V extends LiveVenue = LiveVenue> {
  readonly got: FeedUpdate[] = [];
  readonly engine = new PublishEngine({ epoch: 1, dataSuffix: 'orderbook', snapshotDepth: 10_000 });
  readonly src: WebSocketSource;
  private readonly done: Promise<void>;
  /** `owned`: run as in an ingest worker, updates handed on synchronously with the sync's own book. */
  constructor(readonly venue: V, exchange: string, conn = testConnection(), owned = false) {
    const src = new WebSocketSource(venue, exchange, conn);
    this.src = src;
    const take = (u: FeedUpdate) => {
      this.got.push(u);
      this.engine.apply(u);
    };
    this.done = owned ? src.run(take) : (async () => { for await (const u of src.updates()) take(u); })();
  }

  health(symbol: string) { return this.src.recovery.health()[symbol]!; }

  deltas(symbol: string): number { return this.got.filter((u) => u.symbol === symbol && u.kind === 'delta').length; }

  async stop(): Promise<void> {
    this.src.stop();
    await this.done;
  }

  /** The venue sync's book and the published book both equal the peer's. */
  async expectEqual(symbol: string, peer: PeerBook): Promise<void> {
    const equal = () => {
      const book = this.venue.book(symbol);
      if (!book || this.venue.needsSnapshot(symbol)) return false;
      const { priceDecimals: pd, sizeDecimals: sd } = book.format;
      const want = JSON.stringify({ bids: peer.scaled('bid', pd, sd), asks: peer.scaled('ask', pd, sd) });
      const published = this.engine.dump().find((d) => d.symbol === symbol);
      return JSON.stringify({ bids: book.top('bid', 1000), asks: book.top('ask', 1000) }) === want
        && JSON.stringify({ bids: published?.bids, asks: published?.asks }) === want;
    };
    await waitFor(`${symbol} to equal the peer's book`, equal);
  }

  /** Between a `stale` marker and the next snapshot nothing else is handed on for the symbol. */
  expectNoStaleDeltas(symbol: string): { staleMarks: number; snapshots: number } {
    let stale = false;
    let staleMarks = 0;
    let snapshots = 0;
    for (const u of this.got.filter((x) => x.symbol === symbol)) {
      if (u.kind === 'stale') { stale = true; staleMarks++; }
      else if (u.kind === 'snapshot') { stale = false; snapshots++; }
      else expect(stale, `a delta of ${symbol} was handed on while its book was stale`).toBe(false);
    }
    expect(stale).toBe(false);
    return { staleMarks, snapshots };
  }
}

/**
 * A subscriber handler that records, per symbol, what each applied message was: a snapshot, a
 * STALE marker, or a delta (what "nothing but a snapshot after a STALE marker" is judged on).
 */
export function recordKinds(seen: Map<string, string[]>): UpdateHandler {
  return ({ mirror, message, outcome }) => {
    if (outcome !== 'applied' && outcome !== 'resynced') return;
    const list = seen.get(mirror.symbol) ?? [];
    list.push(message.type === 'snapshot' ? 'snapshot' : (message.flags & Flags.STALE) !== 0 ? 'stale' : 'delta');
    seen.set(mirror.symbol, list);
  };
}

/**
 * The cluster shape the live-recovery tests run: the ingest with 2 worker threads on node 1 for
 * `exchanges`, a subscriber on node 3 on each exchange's wildcard, and per symbol the kinds the
 * subscriber applied, in order (`recordKinds`).
 */
export class ClusterPipeline {
  private constructor(
    readonly ingest: IngestService,
    readonly sub: Subscriber,
    /** Per symbol: what the subscriber applied, in order ('stale', 'snapshot', 'delta'). */
    readonly seen: Map<string, string[]>,
    private readonly running: Promise<unknown>,
  ) {}

  static async start(tc: TestCluster, exchanges: string[]): Promise<ClusterPipeline> {
    const ingest = new IngestService({ config: tc.config, tlsDir: tc.tlsDir, root: process.cwd(), pace: { mode: 'max' }, workers: 2, exchanges, servers: [tc.clientUrls[0]!] });
    await ingest.start();
    const seen = new Map<string, string[]>();
    const sub = await new Subscriber({
      config: tc.config, tlsDir: tc.tlsDir, servers: [tc.clientUrls[2]!], subjects: exchanges.map((ex) => `${ex}.*.orderbook`),
      handlers: [recordKinds(seen)],
    }).start();
    return new ClusterPipeline(ingest, sub, seen, ingest.run());
  }

  /** Subscriber first, then the ingest, and its run to its end. */
  async stop(): Promise<void> {
    await this.sub.close();
    await this.ingest.stop();
    await this.running;
  }
}
