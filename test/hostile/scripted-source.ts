/**
 * Test feed source: the test pushes updates (well-formed or hostile), the source keeps its own
 * model of every book it sent, and, like a live venue with a REST snapshot endpoint, resends a
 * snapshot of any symbol it is asked for (`requestSnapshots`).
 */
import type { FeedSource } from '../../services/ingest/sources/captures.js';
import { PushQueue } from '../../services/ingest/sources/push-queue.js';
import { newSourceStats, type FeedUpdate, type SourceStats } from '../../services/ingest/feed-update.js';

const FORMAT = { priceDecimals: 2, sizeDecimals: 0 };

export class ScriptedSource implements FeedSource {
  readonly stats: SourceStats;
  private readonly queue = new PushQueue<FeedUpdate>();
  private readonly books = new Map<string, { bid: Map<number, number>; ask: Map<number, number> }>();
  private exchSeq = 0;
  snapshotRequests: string[][] = [];
  /** false: behave like a recording that cannot resend anything. */
  canResend = true;

  constructor(readonly exchange: string) {
    this.stats = newSourceStats(`scripted ${exchange}`, exchange);
  }

  async *updates(): AsyncGenerator<FeedUpdate> {
    for await (const u of this.queue) {
      this.stats.inputs++;
      this.stats.updates++;
      yield u;
    }
  }

  private base(kind: FeedUpdate['kind'], symbol: string): FeedUpdate {
    return { kind, exchange: this.exchange, symbol, format: FORMAT, exchSeq: ++this.exchSeq, exchTsUs: Date.now() * 1000, recvMonoNs: 0, recvWallUs: 0, atUs: 0 };
  }

  snapshot(symbol: string, bids: Array<[number, number]>, asks: Array<[number, number]>): void {
    this.books.set(symbol, { bid: new Map(bids), ask: new Map(asks) });
    this.queue.push({ ...this.base('snapshot', symbol), bids, asks });
  }

  delta(symbol: string, side: 'bid' | 'ask', price: number, size: number): void {
    const b = this.books.get(symbol);
    if (b) { if (size === 0) b[side].delete(price); else b[side].set(price, size); }
    this.queue.push({ ...this.base('delta', symbol), changes: [{ side, price, size }] });
  }

  /** Anything at all, as a hostile or broken venue would send it. */
  raw(u: Partial<FeedUpdate> & Pick<FeedUpdate, 'kind' | 'symbol'>): void {
    this.queue.push({ ...this.base(u.kind, u.symbol), ...u });
  }

  requestSnapshots(symbols: string[]): boolean {
    if (!this.canResend) return false;
    this.snapshotRequests.push(symbols);
    for (const s of symbols) {
      const b = this.books.get(s);
      if (!b) continue;
      const bids = [...b.bid].sort((x, y) => y[0] - x[0]);
      const asks = [...b.ask].sort((x, y) => x[0] - y[0]);
      this.queue.push({ ...this.base('snapshot', s), bids, asks });
    }
    return true;
  }

  end(): void { this.queue.end(); }
}
