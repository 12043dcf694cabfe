import { join } from 'node:path';
import { readCaptureFile, readCaptureRecords } from '../capture/reader.js';
import { CaptureClock } from '../capture/stamp.js';
import { decodeBinanceFrame, decodeBinanceSnapshot, symbolFromDepthUrl, type BinanceDepthSnapshot, type BinanceDepthUpdate } from './decode.js';
import { BinanceSync } from './sync.js';
import { BookTickerCheck } from './ticker-check.js';

const CAPTURES = join(import.meta.dirname, '..', 'samples', 'captures');
const STAMP = { recvMonoNs: 1, recvWallUs: 2 };

function upd(firstId: number, finalId: number, bids: Array<[string, string]> = [], asks: Array<[string, string]> = []): BinanceDepthUpdate {
  return { kind: 'depth', symbol: 'BTCUSDT', firstId, finalId, eventTimeMs: 1000, bids, asks };
}

function snap(lastUpdateId: number, bids: Array<[string, string]> = [['100.00000000', '1.00000000']], asks: Array<[string, string]> = [['101.00000000', '1.00000000']]): BinanceDepthSnapshot {
  return { lastUpdateId, bids, asks };
}

describe('BinanceSync rules', () => {
  it('buffers updates until the snapshot, drops u <= lastUpdateId, applies the straddling one and its successors', () => {
    const sync = new BinanceSync();
    expect(sync.onDepthUpdate(upd(90, 95), STAMP).events).toEqual([]);
    expect(sync.onDepthUpdate(upd(96, 102, [['100.00000000', '3.00000000']]), STAMP).events).toEqual([]);
    expect(sync.needsSnapshot('BTCUSDT')).toBe(true);
    const r = sync.onSnapshot('BTCUSDT', snap(100), STAMP);
    expect(r.problems).toEqual([]);
    expect(r.events.map((e) => [e.type, e.exchSeq])).toEqual([
      ['l2-snapshot', 100],
      ['l2-update', 102],
    ]);
    expect(r.events[1]).toMatchObject({ exchange: 'BINANCE', symbol: 'BTCUSDT', exchTsUs: 1_000_000, recvMonoNs: 1, recvWallUs: 2 });
    expect(sync.stats.dropped).toBe(1);
    expect(sync.book('BTCUSDT')!.bestBid()).toEqual([10_000_000_000, 300_000_000]);
    expect(sync.onDepthUpdate(upd(103, 104, [], [['101.00000000', '0.00000000']]), STAMP).events).toHaveLength(1);
    expect(sync.book('BTCUSDT')!.bestAsk()).toBeUndefined();
  });

  it('a first update that does not straddle lastUpdateId+1 is a gap: wait for the next snapshot', () => {
    const sync = new BinanceSync();
    sync.onSnapshot('BTCUSDT', snap(100), STAMP);
    const r = sync.onDepthUpdate(upd(105, 110), STAMP, 3);
    expect(r.problems).toEqual([{ kind: 'gap', detail: expect.stringContaining('expected update 101'), at: 3 }]);
    expect(sync.needsSnapshot('BTCUSDT')).toBe(true);
    const again = sync.onSnapshot('BTCUSDT', snap(107), STAMP);
    // The buffered 105-110 straddles 108 and is applied right after the new snapshot.
    expect(again.events.map((e) => e.exchSeq)).toEqual([107, 110]);
    expect(sync.stats).toMatchObject({ gaps: 1, resyncs: 1 });
  });

  it('a gap mid-stream (U != prev u + 1) forces a resync; a stale duplicate is out-of-order and dropped', () => {
    const sync = new BinanceSync();
    sync.onSnapshot('BTCUSDT', snap(100), STAMP);
    expect(sync.onDepthUpdate(upd(101, 103), STAMP).events).toHaveLength(1);
    const dup = sync.onDepthUpdate(upd(102, 103), STAMP);
    expect(dup.problems[0]!.kind).toBe('out-of-order');
    expect(sync.needsSnapshot('BTCUSDT')).toBe(false);
    const gap = sync.onDepthUpdate(upd(105, 106), STAMP);
    expect(gap.problems[0]!.kind).toBe('gap');
    expect(sync.onDepthUpdate(upd(107, 108), STAMP).events).toEqual([]);
    expect(sync.pendingUpdates()).toBe(2);
    expect(sync.unsyncedSymbols()).toEqual(['BTCUSDT']);
    // A snapshot in sync with nothing pending is ignored while the symbol is live.
    const other = new BinanceSync();
    other.onSnapshot('BTCUSDT', snap(100), STAMP);
    expect(other.onSnapshot('BTCUSDT', snap(200), STAMP).events).toEqual([]);
  });

  it('an update the format cannot hold is reported and treated as a gap', () => {
    const sync = new BinanceSync();
    sync.onSnapshot('BTCUSDT', snap(100), STAMP);
    const r = sync.onDepthUpdate(upd(101, 101, [['100.000000001', '1.00000000']]), STAMP);
    expect(r.problems[0]!.kind).toBe('malformed');
    expect(sync.needsSnapshot('BTCUSDT')).toBe(true);
  });
});

describe('BinanceSync over the real capture (ground truth: bookTicker)', () => {
  /** Replay the capture pair merged by receive time; `snapshotsLate` delivers every REST snapshot after the whole stream. */
  async function replay(snapshotsLate: boolean) {
    const truth = new BookTickerCheck();
    let applied = 0;
    const sync = new BinanceSync({
      onApplied: (e, book) => {
        if (e.type !== 'l2-update') return;
        applied++;
        truth.onApplied(book, e.exchSeq);
      },
    });
    const clock = new CaptureClock();
    const snapshots = await readCaptureRecords(join(CAPTURES, 'binance-spot-depth-2021-10-12.rest.txt'));
    let next = 0;
    const feedSnapshot = () => {
      const s = snapshots[next++]!.rec;
      if (s.kind !== 'rest') return;
      const body = decodeBinanceSnapshot(s.body);
      if ('kind' in body) throw new Error(body.detail);
      expect(sync.onSnapshot(symbolFromDepthUrl(s.url)!, body, clock.stamp(s.wallUs)).problems).toEqual([]);
    };
    for await (const { rec } of readCaptureFile(join(CAPTURES, 'binance-spot-depth-2021-10-12.ws.txt'))) {
      if (rec.kind !== 'recv') continue;
      while (!snapshotsLate && next < snapshots.length && snapshots[next]!.rec.wallUs <= rec.wallUs) feedSnapshot();
      const f = decodeBinanceFrame(rec.frame);
      expect(f.kind).not.toBe('problem');
      if (f.kind === 'depth') expect(sync.onDepthUpdate(f, clock.stamp(rec.wallUs)).problems).toEqual([]);
      else if (f.kind === 'bookTicker') truth.onTicker(f);
    }
    while (next < snapshots.length) feedSnapshot();
    return { sync, truth, applied };
  }

  it('best bid and ask equal every bookTicker whose u is an applied update u', async () => {
    const { sync, truth, applied } = await replay(false);
    expect(sync.books().map((b) => b.symbol).sort()).toEqual(['BLZETH', 'LRCBTC', 'NKNUSDT', 'RUNEEUR']);
    expect(sync.books().every((b) => b.format.priceDecimals === 8 && b.format.sizeDecimals === 8)).toBe(true);
    expect(applied).toBe(172);
    expect(sync.stats).toMatchObject({ gaps: 0, resyncs: 0, dropped: 5, crossed: 0 });
    expect(truth.compared).toBe(26);
    expect(truth.mismatches).toEqual([]);
    expect(truth.matched).toBe(26);
  });

  it('gives the same answers when every snapshot arrives after the stream (all updates buffered, then drained)', async () => {
    const { sync, truth, applied } = await replay(true);
    expect(applied).toBe(172);
    expect(sync.pendingUpdates()).toBe(0);
    expect(truth.mismatches).toEqual([]);
    expect([truth.compared, truth.matched]).toEqual([26, 26]);
  });

  it('a ticker that disagrees with the book is a mismatch, whichever arrives first', () => {
    const sync = new BinanceSync();
    const truth = new BookTickerCheck();
    sync.onSnapshot('BTCUSDT', snap(100), STAMP);
    truth.onTicker({ kind: 'bookTicker', symbol: 'BTCUSDT', updateId: 101, bid: ['100.00000000', '1.00000000'], ask: ['101.00000000', '9.00000000'] });
    sync.onDepthUpdate(upd(101, 101), STAMP);
    truth.onApplied(sync.book('BTCUSDT')!, 101);
    sync.onDepthUpdate(upd(102, 102), STAMP);
    truth.onApplied(sync.book('BTCUSDT')!, 102);
    truth.onTicker({ kind: 'bookTicker', symbol: 'BTCUSDT', updateId: 102, bid: ['100.00000000', '1.00000000'], ask: ['101.00000000', '1.00000000'] });
    expect(truth.compared).toBe(2);
    expect(truth.matched).toBe(1);
    expect(truth.mismatches[0]).toMatchObject({ symbol: 'BTCUSDT', updateId: 101 });
  });
});
