/**
 * A Binance capture pair as a feed source: the recorded diff-depth frames and REST depth
 * snapshots merged by receive time and decoded here; the worker that owns each symbol keeps its
 * book with the same BinanceSync a live connection uses (`binance.keeper`).
 */
import { keptInput, newSourceStats, type FeedSource, type FeedUpdate, type SourceStats } from '../../ingest/feed-update.js';
import { readCaptureFile, readCaptureRecords, type CaptureLine } from '../capture/reader.js';
import { decodeBinanceFrame, decodeBinanceSnapshot, symbolFromDepthUrl } from './decode.js';
import type { BinanceRestInput } from './live.js';

export class BinanceCaptureSource implements FeedSource {
  readonly stats: SourceStats;

  constructor(private readonly wsPath: string, private readonly restPath: string, exchange = 'BINANCE') {
    this.stats = newSourceStats(`binance-capture ${wsPath}`, exchange);
  }

  async *updates(): AsyncGenerator<FeedUpdate> {
    const { stats } = this;
    const snapshots = (await readCaptureRecords(this.restPath)).filter((l) => l.rec.kind === 'rest').sort((a, b) => a.rec.wallUs - b.rec.wallUs);
    let next = 0;
    const snapshot = ({ line, rec }: CaptureLine): FeedUpdate[] => {
      if (rec.kind !== 'rest') return [];
      const symbol = symbolFromDepthUrl(rec.url);
      const snap = decodeBinanceSnapshot(rec.body);
      if (!symbol || 'kind' in snap) { stats.malformed++; return []; }
      const input: BinanceRestInput = { kind: 'rest', symbol, snapshot: snap };
      return [keptInput('binance', stats.exchange, symbol, input, rec.wallUs, line)];
    };
    for await (const l of readCaptureFile(this.wsPath)) {
      if (l.rec.kind !== 'recv') continue;
      stats.inputs++;
      while (next < snapshots.length && snapshots[next]!.rec.wallUs <= l.rec.wallUs) yield* snapshot(snapshots[next++]!);
      const frame = decodeBinanceFrame(l.rec.frame);
      if (frame.kind === 'depth') yield keptInput('binance', stats.exchange, frame.symbol, frame, l.rec.wallUs, l.line);
      else if (frame.kind === 'problem') stats.malformed++;
    }
    while (next < snapshots.length) yield* snapshot(snapshots[next++]!);
  }
}
