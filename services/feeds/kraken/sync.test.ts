import { join } from 'node:path';
import { readCaptureFile } from '../capture/reader.js';
import { CaptureClock } from '../capture/stamp.js';
import { krakenChecksum } from './checksum.js';
import { decodeKrakenFrame, type KrakenBookSnapshot, type KrakenBookUpdate } from './decode.js';
import { KrakenBookSync } from './sync.js';

const CAPTURE = join(import.meta.dirname, '..', 'samples', 'captures', 'kraken-book-2021-04-17.ws.txt');
const STAMP = { recvMonoNs: 5, recvWallUs: 7 };

describe('KrakenBookSync over the real capture (ground truth: Kraken checksums)', () => {
  it('matches every one of the 2106 checksums across the 5 pairs', async () => {
    const sync = new KrakenBookSync();
    const clock = new CaptureClock();
    const perPair = new Map<string, number>();
    for await (const { line, rec } of readCaptureFile(CAPTURE)) {
      if (rec.kind !== 'recv') continue;
      const f = decodeKrakenFrame(rec.frame);
      expect(f.kind).not.toBe('problem');
      if (f.kind === 'snapshot') sync.onSnapshot(f, clock.stamp(rec.wallUs), line);
      if (f.kind === 'update') {
        const r = sync.onUpdate(f, clock.stamp(rec.wallUs), line);
        expect(r.problems).toEqual([]);
        expect(r.events).toHaveLength(1);
        perPair.set(f.pair, (perPair.get(f.pair) ?? 0) + 1);
      }
    }
    expect(sync.stats.checksumChecks).toBe(2106);
    expect(sync.stats.checksumMatches).toBe(2106);
    expect(sync.mismatches).toEqual([]);
    expect(sync.stats.resyncs).toBe(0);
    expect([...perPair.keys()].sort()).toEqual(['ADA/XBT', 'ETH/CHF', 'GRT/ETH', 'WAVES/EUR', 'XMR/USD']);
    // Decimals come from the exchange's own strings.
    expect(sync.book('ADA/XBT')!.format).toEqual({ priceDecimals: 9, sizeDecimals: 8 });
    expect(sync.book('ETH/CHF')!.format).toEqual({ priceDecimals: 5, sizeDecimals: 8 });
    for (const b of sync.books()) expect(b.isCrossed()).toBe(false);
  });
});

function snap(asks: Array<[string, string]>, bids: Array<[string, string]>, depth = 10): KrakenBookSnapshot {
  return { kind: 'snapshot', pair: 'XBT/USD', depth, asks, bids, tsUs: 1 };
}

function upd(asks: Array<[string, string]>, bids: Array<[string, string]>, checksum?: string, depth = 10): KrakenBookUpdate {
  return { kind: 'update', pair: 'XBT/USD', depth, asks, bids, checksum, republished: 0, tsUs: 2 };
}

describe('KrakenBookSync rules', () => {
  it('applies asks and bids of one frame, then truncates to the subscribed depth', () => {
    const sync = new KrakenBookSync();
    sync.onSnapshot(snap([['55000.10000', '1.00000000'], ['55000.20000', '2.00000000']], [['54999.90000', '3.00000000'], ['54999.80000', '4.00000000']], 2), STAMP);
    const book = sync.book('XBT/USD')!;
    // A better bid pushes 54999.80000 out of a depth-2 book; Kraken sends no delete for it.
    const after = { asks: [['55000.10000', '1.00000000'], ['55000.20000', '2.00000000']] as Array<[string, string]>, bids: [['55000.00000', '0.50000000'], ['54999.90000', '3.00000000']] as Array<[string, string]> };
    const r = sync.onUpdate(upd([], [['55000.00000', '0.50000000']], krakenChecksum(after.asks, after.bids), 2), STAMP);
    expect(r.problems).toEqual([]);
    expect(r.events[0]).toMatchObject({ type: 'l2-update', exchange: 'KRAKEN', symbol: 'XBT/USD', exchSeq: 2, recvMonoNs: 5, recvWallUs: 7 });
    expect(book.depth('bid')).toBe(2);
    expect(book.top('bid', 5)).toEqual([[5500000000, 50000000], [5499990000, 300000000]]);
    expect(sync.stats).toMatchObject({ checksumChecks: 1, checksumMatches: 1 });
  });

  it('a checksum mismatch stops the pair until a new snapshot, which counts as a resync', () => {
    const sync = new KrakenBookSync();
    sync.onSnapshot(snap([['2.00000', '1.00000000']], [['1.00000', '1.00000000']]), STAMP);
    const bad = sync.onUpdate(upd([['2.00000', '5.00000000']], [], '12345'), STAMP, 9);
    expect(bad.events).toEqual([]);
    expect(bad.problems).toEqual([{ kind: 'checksum', detail: expect.stringContaining('12345'), at: 9 }]);
    expect(sync.needsSnapshot('XBT/USD')).toBe(true);
    expect(sync.onUpdate(upd([['2.00000', '6.00000000']], []), STAMP).events).toEqual([]);
    expect(sync.stats.dropped).toBe(1);
    sync.onSnapshot(snap([['2.00000', '7.00000000']], [['1.00000', '1.00000000']]), STAMP);
    expect(sync.stats).toMatchObject({ gaps: 1, resyncs: 1, checksumChecks: 1, checksumMatches: 0 });
    const ok = sync.onUpdate(upd([], [['1.00000', '0.00000000']], krakenChecksum([['2.00000', '7.00000000']], [])), STAMP);
    expect(ok.problems).toEqual([]);
    expect(sync.book('XBT/USD')!.depth('bid')).toBe(0);
  });

  it('reports a price with more decimals than the pair uses, and resyncs rather than guess', () => {
    const sync = new KrakenBookSync();
    sync.onSnapshot(snap([['2.00', '1.00']], [['1.00', '1.00']]), STAMP);
    const r = sync.onUpdate(upd([['2.001', '1.00']], []), STAMP);
    expect(r.problems[0]!.kind).toBe('malformed');
    expect(sync.needsSnapshot('XBT/USD')).toBe(true);
  });

  it('ignores updates before any snapshot', () => {
    const sync = new KrakenBookSync();
    expect(sync.onUpdate(upd([['1.0', '1.0']], []), STAMP)).toEqual({ events: [], problems: [] });
    expect(sync.stats.dropped).toBe(1);
  });
});
