/**
 * Property tests: every decoder and sync takes arbitrary input without throwing, and reports
 * what it could not use as counted DecodeProblems of a known kind. Random bytes and strings,
 * random JSON, and real frames mutated (cut short, bytes flipped, fields swapped).
 */
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeBinanceFrame, decodeBinanceSnapshot } from '../../services/feeds/binance/decode.js';
import { BinanceSync } from '../../services/feeds/binance/sync.js';
import { BookTickerCheck } from '../../services/feeds/binance/ticker-check.js';
import { parseCaptureLine } from '../../services/feeds/capture/line.js';
import { decodeCoinbaseFrame } from '../../services/feeds/coinbase/decode.js';
import { CoinbaseSync } from '../../services/feeds/coinbase/sync.js';
import { decodeKrakenFrame } from '../../services/feeds/kraken/decode.js';
import { KrakenBookSync } from '../../services/feeds/kraken/sync.js';
import { decodeItch, encodeItch, stockDirectory } from '../../services/feeds/itch/codec.js';
import { ItchFeed } from '../../services/feeds/itch/feed.js';
import { replayItch } from '../../services/feeds/itch/files.js';
import type { ItchMessage } from '../../services/feeds/itch/messages.js';
import { decodeMoldPacket, encodeMoldPacket } from '../../services/feeds/itch/moldudp64.js';
import { parseMessageLine, parseOrderbookLine } from '../../services/feeds/lobster/parse.js';
import { replayLobster } from '../../services/feeds/lobster/replay.js';
import type { DecodeProblem } from '../../services/marketdata/events.js';

const ROOT = join(import.meta.dirname, '..', '..');
const CAPTURES = join(ROOT, 'services', 'feeds', 'samples', 'captures');
const LOBSTER = join(ROOT, 'services', 'feeds', 'samples', 'lobster');
const KINDS = new Set<DecodeProblem['kind']>(['malformed', 'unknown-type', 'negative-size', 'out-of-order', 'unknown-order', 'gap', 'checksum', 'truncated', 'stale-snapshot', 'crossed']);
const STAMP = { recvMonoNs: 0, recvWallUs: 0 };
const RUNS = { numRuns: 300 };

function framesOf(file: string, n: number): string[] {
  return readFileSync(join(CAPTURES, file), 'utf8')
    .split('\n')
    .flatMap((l) => {
      const m = /^\d+(?:\.\d+)?: (.*)$/.exec(l);
      return m ? [m[1]!] : [];
    })
    .slice(0, n);
}

function linesOf(file: string, n: number): string[] {
  return readFileSync(join(LOBSTER, file), 'utf8').split('\n').slice(0, n);
}

function expectProblem(p: DecodeProblem): void {
  expect(KINDS.has(p.kind)).toBe(true);
  expect(typeof p.detail).toBe('string');
}

/** A real frame cut short, with characters flipped, or with a value swapped for another JSON value. */
function mutated(samples: string[]): fc.Arbitrary<string> {
  const sample = fc.constantFrom(...samples);
  return fc.oneof(
    fc.tuple(sample, fc.nat()).map(([s, n]) => s.slice(0, n % (s.length + 1))),
    fc.tuple(sample, fc.array(fc.tuple(fc.nat(), fc.string({ minLength: 1, maxLength: 3 })), { minLength: 1, maxLength: 4 })).map(([s, edits]) => {
      let out = s;
      for (const [at, text] of edits) {
        const i = at % (out.length + 1);
        out = out.slice(0, i) + text + out.slice(i + 1);
      }
      return out;
    }),
    fc.tuple(sample, fc.jsonValue()).map(([s, v]) => s.replace(/"[0-9.]+"/, JSON.stringify(v) ?? 'null')),
    fc.tuple(sample, fc.constantFrom('"-1.0"', '"1e5"', 'null', '[]', '{}', '"NaN"', '""', '99999999999999999999')).map(([s, v]) => s.replace(/"[0-9.]+"/, v)),
  );
}

/** Any input at all: random strings, random bytes read as UTF-8, random JSON. */
const anything: fc.Arbitrary<string> = fc.oneof(
  fc.string(),
  fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('utf8')),
  fc.jsonValue().map((v) => JSON.stringify(v) ?? ''),
);

describe('fuzz: capture line parser', () => {
  it('classifies any line and never throws', () => {
    fc.assert(
      fc.property(anything, (line) => {
        const r = parseCaptureLine(line);
        expect(['recv', 'sent', 'open', 'rest', 'blank', 'malformed']).toContain(r.kind);
      }),
      RUNS,
    );
  });
});

describe('fuzz: Binance', () => {
  const real = framesOf('binance-spot-depth-2021-10-12.ws.txt', 80);
  const restBodies = readFileSync(join(CAPTURES, 'binance-spot-depth-2021-10-12.rest.txt'), 'utf8')
    .split('\n')
    .filter((l) => l.includes(' -> '))
    .map((l) => l.replace(/^.*? -> [\d.]+: /, ''));
  const restBody = restBodies[0]!;

  it('decodeBinanceFrame and decodeBinanceSnapshot never throw', () => {
    fc.assert(
      fc.property(fc.oneof(anything, mutated(real), mutated([restBody])), (text) => {
        const f = decodeBinanceFrame(text);
        if (f.kind === 'problem') expectProblem(f.problem);
        const s = decodeBinanceSnapshot(text);
        if ('kind' in s) expectProblem(s);
      }),
      RUNS,
    );
  });

  it('the sync takes any sequence of decoded frames, snapshots and tickers without throwing', () => {
    let applied = 0;
    let gaps = 0;
    const snap = decodeBinanceSnapshot(restBody);
    if ('kind' in snap) throw new Error('sample snapshot did not decode');
    // Real NKNUSDT frames in order, with random frames dropped, repeated, mutated or a snapshot slipped in.
    const step = fc.oneof(
      { weight: 6, arbitrary: fc.constant('NEXT') },
      { weight: 1, arbitrary: fc.constant('SKIP') },
      { weight: 1, arbitrary: fc.constant('SNAPSHOT') },
      { weight: 2, arbitrary: mutated(real) },
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
        const sync = new BinanceSync({ maxBuffered: 16 });
        const truth = new BookTickerCheck();
        sync.onSnapshot('NKNUSDT', snap, STAMP);
        let i = 0;
        for (const st of steps) {
          if (st === 'SKIP') i++;
          const t = st === 'NEXT' ? (real[i++ % real.length] ?? '') : st;
          const r = t === 'SNAPSHOT' ? sync.onSnapshot('NKNUSDT', snap, STAMP) : undefined;
          const f = decodeBinanceFrame(t);
          const res = r ?? (f.kind === 'depth' ? sync.onDepthUpdate(f, STAMP) : { events: [], problems: [] });
          if (f.kind === 'bookTicker') truth.onTicker(f);
          res.problems.forEach(expectProblem);
          for (const e of res.events) if (e.type === 'l2-update') truth.onApplied(sync.book(e.symbol)!, e.exchSeq);
        }
        expect(truth.compared).toBeGreaterThanOrEqual(truth.matched);
        applied += sync.stats.applied;
        gaps += sync.stats.gaps;
      }),
      { numRuns: 150 },
    );
    expect(applied).toBeGreaterThan(0);
    expect(gaps).toBeGreaterThan(0);
  });
});

describe('fuzz: Kraken', () => {
  const real = framesOf('kraken-book-2021-04-17.ws.txt', 60);
  it('decodeKrakenFrame never throws', () => {
    fc.assert(
      fc.property(fc.oneof(anything, mutated(real)), (text) => {
        const f = decodeKrakenFrame(text);
        if (f.kind === 'problem') expectProblem(f.problem);
      }),
      RUNS,
    );
  });

  it('the sync takes mutated streams; every checksum it checks either matches or is reported', () => {
    let mismatches = 0;
    let matches = 0;
    fc.assert(
      fc.property(fc.array(mutated(real), { maxLength: 40 }), (texts) => {
        const sync = new KrakenBookSync();
        let reported = 0;
        // Start from the real snapshots so mutated updates reach the checksum code.
        for (const t of [...real.slice(8, 14), ...texts]) {
          const f = decodeKrakenFrame(t);
          const res = f.kind === 'snapshot' ? sync.onSnapshot(f, STAMP) : f.kind === 'update' ? sync.onUpdate(f, STAMP) : undefined;
          res?.problems.forEach(expectProblem);
          reported += res?.problems.filter((p) => p.kind === 'checksum').length ?? 0;
        }
        expect(sync.stats.checksumChecks - sync.stats.checksumMatches).toBe(reported);
        mismatches += reported;
        matches += sync.stats.checksumMatches;
      }),
      { numRuns: 150 },
    );
    // The mutations reach the checksum code both ways: some updates survive, some corrupt the book.
    expect(matches).toBeGreaterThan(0);
    expect(mismatches).toBeGreaterThan(0);
  });
});

describe('fuzz: Coinbase', () => {
  const real = framesOf('coinbase-level2-2021-04-17.ws.txt', 200).filter((f) => f.length < 5000);
  it('decodeCoinbaseFrame and the sync never throw', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(anything, mutated(real)), { maxLength: 30 }), (texts) => {
        const sync = new CoinbaseSync();
        sync.onSnapshot({ kind: 'snapshot', product: 'SKL-USD', bids: [['0.7885', '10.0']], asks: [['0.7923', '10.0']] }, STAMP);
        for (const t of texts) {
          const f = decodeCoinbaseFrame(t);
          if (f.kind === 'problem') expectProblem(f.problem);
          const res = f.kind === 'snapshot' ? sync.onSnapshot(f, STAMP) : f.kind === 'l2update' ? sync.onUpdate(f, STAMP) : undefined;
          res?.problems.forEach(expectProblem);
        }
      }),
      RUNS,
    );
  });
});

describe('fuzz: LOBSTER', () => {
  const messages = linesOf('AAPL_2012-06-21_message_10_rows0001-0500.csv', 60);
  const books = linesOf('AAPL_2012-06-21_orderbook_10_rows0001-0500.csv', 60);

  it('line parsers never throw', () => {
    fc.assert(
      fc.property(fc.oneof(anything, mutated(messages), mutated(books)), fc.integer({ min: 1, max: 1e6 }), (line, row) => {
        for (const r of [parseMessageLine(line, row), parseOrderbookLine(line, row)]) if ('kind' in r && 'detail' in r) expectProblem(r as DecodeProblem);
      }),
      RUNS,
    );
  });

  it('replay takes mutated message and orderbook files and reports, never throws', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(mutated(messages), fc.constantFrom(...messages)), { minLength: 1, maxLength: 40 }), fc.array(fc.constantFrom(...books), { minLength: 1, maxLength: 40 }), (ms, bs) => {
        const r = replayLobster(ms, bs, { symbol: 'AAPL' });
        r.problems.forEach(expectProblem);
        expect(r.summary.rows_matched).toBeLessThanOrEqual(r.summary.rows_compared);
      }),
      { numRuns: 150 },
    );
  });
});

describe('fuzz: ITCH 5.0 and MoldUDP64', () => {
  const h = (t: number) => ({ stockLocate: 1, trackingNumber: 0, timestampNs: t });
  const session: ItchMessage[] = [
    stockDirectory(1, 'AAPL'),
    { type: 'A', ...h(1), orderRef: 1, side: 'B', shares: 100, stock: 'AAPL', price: 1_500_000 },
    { type: 'F', ...h(2), orderRef: 2, side: 'S', shares: 50, stock: 'AAPL', price: 1_500_100, attribution: 'GSCO' },
    { type: 'E', ...h(3), orderRef: 1, executedShares: 10, matchNumber: 1 },
    { type: 'C', ...h(4), orderRef: 2, executedShares: 5, matchNumber: 2, printable: 'Y', executionPrice: 1_500_100 },
    { type: 'X', ...h(5), orderRef: 1, cancelledShares: 10 },
    { type: 'U', ...h(6), originalOrderRef: 1, newOrderRef: 3, shares: 70, price: 1_499_900 },
    { type: 'D', ...h(7), orderRef: 3 },
  ];
  const encoded = session.map((m) => Buffer.from(encodeItch(m)));
  const bytes = fc.uint8Array({ maxLength: 120 });
  /** A real encoded message with random bytes overwritten or cut short. */
  const mutatedMsg = fc.tuple(fc.constantFrom(...encoded), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), fc.nat()).map(([m, edits, cut]) => {
    const b = Buffer.from(m);
    for (const [at, v] of edits) b[at % b.length] = v;
    return new Uint8Array(b.subarray(0, cut % 3 === 0 ? cut % (b.length + 1) : b.length));
  });

  it('decodeItch and decodeMoldPacket never throw on any bytes', () => {
    fc.assert(
      fc.property(fc.oneof(bytes, mutatedMsg), (b) => {
        const m = decodeItch(b);
        if ('detail' in m) expectProblem(m);
        const p = decodeMoldPacket(b);
        if ('detail' in p) expectProblem(p);
      }),
      RUNS,
    );
  });

  it('the feed takes random packets, streams and whole files, counting problems', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(bytes, mutatedMsg), { minLength: 1, maxLength: 12 }), fc.integer({ min: 1, max: 5 }), (msgs, seq) => {
        const feed = new ItchFeed();
        feed.handlePacket(encodeMoldPacket('FUZZ000001', seq, msgs));
        for (const m of msgs) feed.handlePacket(m);
        feed.handleStream(Buffer.concat(msgs.map((m) => Buffer.concat([Buffer.from([m.length >> 8, m.length & 0xff]), m]))));
        feed.problems.forEach(expectProblem);
        for (const raw of [Buffer.concat(msgs), Buffer.concat([encodeMoldPacket('FUZZ000001', seq, msgs), ...msgs])]) {
          const r = replayItch(raw);
          r.problems.forEach(expectProblem);
        }
      }),
      { numRuns: 200 },
    );
  });
});

/** The named kinds of bad input, one adapter each, all counted and reported rather than thrown. */
describe('bad input is reported by kind', () => {
  const kindOf = (f: { kind: string; problem?: DecodeProblem }) => (f.kind === 'problem' ? f.problem!.kind : f.kind);

  it('truncated lines and garbage JSON', () => {
    expect(kindOf(decodeBinanceFrame('{"stream":"x","data":{"e":"depthUpdate","s":"X","U":1'))).toBe('truncated');
    expect(kindOf(decodeKrakenFrame('[992,{"b":[["354.15000000","5.00000000"'))).toBe('truncated');
    expect(kindOf(decodeCoinbaseFrame('{"type":"l2update","product_id":"X","chan'))).toBe('truncated');
    expect((parseMessageLine('34200.004241176,1,16113575', 3) as DecodeProblem).kind).toBe('truncated');
    for (const garbage of ['}{', 'nan', '\u0000\u0001', '{"a":}']) {
      expect(kindOf(decodeBinanceFrame(garbage))).toBe('malformed');
      expect(kindOf(decodeKrakenFrame(garbage))).toBe('malformed');
      expect(kindOf(decodeCoinbaseFrame(garbage))).toBe('malformed');
    }
    expect(parseCaptureLine('\u0000garbage').kind).toBe('malformed');
  });

  it('unknown message types', () => {
    expect(kindOf(decodeBinanceFrame('{"e":"futuresThing","s":"X"}'))).toBe('unknown-type');
    expect(kindOf(decodeKrakenFrame('{"channel":"book"}'))).toBe('unknown-type');
    expect(kindOf(decodeCoinbaseFrame('{"type":"l3update","product_id":"X"}'))).toBe('unknown-type');
    expect((parseMessageLine('34200.004241176,9,16113575,18,5853300,1', 4) as DecodeProblem).kind).toBe('unknown-type');
  });

  it('negative sizes', () => {
    expect(kindOf(decodeBinanceFrame('{"e":"depthUpdate","s":"X","U":1,"u":1,"b":[["1.0","-5.0"]],"a":[]}'))).toBe('negative-size');
    expect(kindOf(decodeKrakenFrame('[1,{"a":[["1.0","-5.0","1.0"]],"c":"1"},"book-10","XBT/USD"]'))).toBe('negative-size');
    expect(kindOf(decodeCoinbaseFrame('{"type":"l2update","product_id":"X","changes":[["buy","1.0","-5"]]}'))).toBe('negative-size');
    expect((parseMessageLine('34200.004241176,1,16113575,-18,5853300,1', 5) as DecodeProblem).kind).toBe('negative-size');
  });

  it('out-of-order sequences and gaps', () => {
    const sync = new BinanceSync();
    sync.onSnapshot('X', { lastUpdateId: 10, bids: [['1.00000000', '1.00000000']], asks: [['2.00000000', '1.00000000']] }, STAMP);
    const depth = (U: number, u: number) => ({ kind: 'depth' as const, symbol: 'X', firstId: U, finalId: u, eventTimeMs: 0, bids: [], asks: [] });
    expect(sync.onDepthUpdate(depth(11, 12), STAMP).problems).toEqual([]);
    expect(sync.onDepthUpdate(depth(12, 12), STAMP).problems.map((p) => p.kind)).toEqual(['out-of-order']);
    expect(sync.onDepthUpdate(depth(20, 21), STAMP).problems.map((p) => p.kind)).toEqual(['gap']);
    const cb = new CoinbaseSync();
    expect(cb.onUpdate({ kind: 'l2update', product: 'Y', changes: [], timeUs: 0 }, STAMP).problems.map((p) => p.kind)).toEqual(['out-of-order']);
  });

  it('an unknown order id (LOBSTER delete of an order the file never added, at a level it cannot hold)', () => {
    const messages = linesOf('AAPL_2012-06-21_message_10_rows0001-0500.csv', 3);
    const books = linesOf('AAPL_2012-06-21_orderbook_10_rows0001-0500.csv', 3);
    // Row 2 deletes order 999 for 1,000,000 shares at the best ask: more than the level holds.
    const bestAsk = books[1]!.split(',')[0]!;
    const bad = [messages[0]!, `34200.1,3,999,1000000,${bestAsk},-1`, messages[2]!];
    const r = replayLobster(bad, books, { symbol: 'AAPL' });
    expect(r.problems.map((p) => p.kind)).toContain('unknown-order');
  });
});
