import { WireEncoder } from '../wire/encode.js';
import { Flags } from '../wire/layout.js';
import type { BookMirror, MirrorOutcome } from './book-mirror.js';
import { MirrorSet } from './mirror-set.js';
import { lvl, TestPublisher } from './test-feed.js';

const enc = new WireEncoder();

describe('MirrorSet', () => {
  it('creates one mirror per (exchange, symbol) and routes each message to it', () => {
    const aapl = new TestPublisher('NASDAQ', 'AAPL');
    const brk = new TestPublisher('NYSE', 'BRK.B', { priceDecimals: 2, sizeDecimals: 0 });
    const set = new MirrorSet();
    set.handleBytes(enc.encodeMessage(aapl.publish([lvl('bid', 100, 1)])));
    set.handleBytes(enc.encodeMessage(brk.publish([lvl('ask', 500, 2)])));
    set.handleBytes(enc.encodeMessage(aapl.publish([lvl('ask', 101, 3)])));
    expect([...set.mirrors()].map((m) => `${m.exchange}:${m.symbol}:${m.lastSeq}`).sort()).toEqual(['NASDAQ:AAPL:2', 'NYSE:BRK.B:1']);
    expect(set.get('NASDAQ', 'AAPL')!.book.snapshot()).toEqual(aapl.book.snapshot());
    expect(set.get('NYSE', 'BRK.B')!.format).toEqual({ priceDecimals: 2, sizeDecimals: 0 });
    expect(set.get('NYSE', 'AAPL')).toBeUndefined();
  });

  it('counts and skips malformed payloads and keeps going', () => {
    const pub = new TestPublisher();
    const set = new MirrorSet();
    expect(set.handleBytes(new Uint8Array([1, 2, 3]))).toBe('malformed');
    const good = enc.encodeMessage(pub.publish([lvl('bid', 100, 1)])).slice();
    const wrongVersion = good.slice();
    wrongVersion[0] = 9;
    expect(set.handleBytes(wrongVersion)).toBe('malformed');
    expect(set.lastMalformed?.detail).toBe('unsupported wire version 9 (this decoder reads 1)');
    expect(set.handleBytes(good)).toBe('applied');
    expect(set.totals()).toMatchObject({ malformed: 2, applied: 1, mirrors: 1, live: 1, awaiting: 0 });
  });

  it('reports book changes, snapshot needs and totals across mirrors', () => {
    const a = new TestPublisher('BINANCE', 'BTCUSDT');
    const b = new TestPublisher('KRAKEN', 'XBT/USD');
    const changes: Array<[string, MirrorOutcome]> = [];
    const needs: string[] = [];
    const set = new MirrorSet({
      onBookChange: (m: BookMirror, outcome) => changes.push([m.symbol, outcome]),
      onNeedSnapshot: (m, reason) => needs.push(`${m.symbol}:${reason}`),
    });
    set.handle(a.publish([lvl('bid', 1, 1)]));
    b.publish([lvl('bid', 1, 1)]); // b's seq 1 is missed: late join
    set.handle(b.publish([lvl('bid', 2, 1)]));
    set.handle(b.snapshot());
    set.handle(a.publish([lvl('bid', 1, 1), lvl('ask', 3, 1)])); // a no-op bid plus an ask
    expect(changes).toEqual([['BTCUSDT', 'applied'], ['XBT/USD', 'resynced'], ['BTCUSDT', 'applied']]);
    expect(needs).toEqual(['XBT/USD:late-join']);
    // A late joiner's first snapshot is a sync, not a re-sync.
    expect(set.totals()).toMatchObject({ applied: 2, snapshots: 1, resyncs: 0, gaps: 0, mirrors: 2, live: 2 });
    set.invalidateAll();
    expect(set.totals()).toMatchObject({ live: 0, awaiting: 2 });
    expect(needs).toEqual(['XBT/USD:late-join', 'BTCUSDT:invalidated', 'XBT/USD:invalidated']);
  });

  it('records publisher heartbeats and ignores late ones from an older epoch', () => {
    const set = new MirrorSet();
    const hb = (epoch: number, seq: number, leader: boolean) =>
      set.handleBytes(enc.encodeHeartbeat({ epoch, seq, publisherId: 'ingest-a', symbols: 3, published: seq * 10, flags: leader ? Flags.LEADER : 0, pubMonoNs: seq }));
    expect(hb(2, 1, true)).toBe('heartbeat');
    hb(2, 2, true);
    hb(1, 9, false);
    expect(set.publishers.get('ingest-a')).toEqual({
      publisherId: 'ingest-a', epoch: 2, leader: true, heartbeatSeq: 2, symbols: 3, published: 20, info: '', pubMonoNs: 2,
    });
    expect(set.totals()).toMatchObject({ heartbeats: 3, mirrors: 0 });
  });
});
