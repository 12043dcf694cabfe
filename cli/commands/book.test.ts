import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDsm } from '../../test/harness/cli.js';

const ROOT = join(import.meta.dirname, '..', '..');
const CAPTURES = join(ROOT, 'services', 'feeds', 'samples', 'captures');
const LOBSTER = join(ROOT, 'services', 'feeds', 'samples', 'lobster');

const dsm = (...args: string[]) => runDsm(args);

function jsonl(path: string): Array<{ exchange: string; symbol: string; seq: number; row?: number; bids: string[][]; asks: string[][] }> {
  return readFileSync(path, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
}

describe('dsm book replay', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'dsm-replay-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('kraken: every checksum matches; emitted lines keep Kraken price strings', async () => {
    const emit = join(dir, 'kraken.jsonl');
    const r = await dsm('book', 'replay', '--format', 'kraken', '--emit', emit, join(CAPTURES, 'kraken-book-2021-04-17.ws.txt'));
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s).toMatchObject({ format: 'kraken', events: 2111, books: 5, checksum_checks: 2106, checksum_matches: 2106, gaps: 0, resyncs: 0, malformed: 0, crossed: 0 });
    const lines = jsonl(emit);
    expect(lines).toHaveLength(2111);
    expect(lines[0]).toMatchObject({ exchange: 'KRAKEN', symbol: 'ADA/XBT', seq: 1 });
    expect(lines[0]!.asks[0]).toEqual(['0.000022900', '13355.87450757']);
    expect(lines[0]!.bids).toHaveLength(10);
    const xmr = lines.find((l) => l.symbol === 'XMR/USD')!;
    expect(xmr.asks[0]).toEqual(['354.80000000', '1.40000000']);
    for (const l of lines) expect(l.row).toBeUndefined();
  });

  it('binance: the book agrees with every comparable bookTicker; --depth limits emitted levels', async () => {
    const emit = join(dir, 'binance.jsonl');
    const r = await dsm(
      'book', 'replay', '--format', 'binance', '--depth', '3', '--emit', emit,
      join(CAPTURES, 'binance-spot-depth-2021-10-12.ws.txt'), join(CAPTURES, 'binance-spot-depth-2021-10-12.rest.txt'),
    );
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s).toMatchObject({ format: 'binance', events: 176, books: 4, gaps: 0, resyncs: 0, rows_compared: 26, rows_matched: 26, dropped: 5, malformed: 0 });
    const lines = jsonl(emit);
    expect(lines).toHaveLength(176);
    // First line: the NKNUSDT REST snapshot, top 3, in Binance's 8-decimal strings.
    expect(lines[0]).toEqual({
      exchange: 'BINANCE',
      symbol: 'NKNUSDT',
      seq: 499869752,
      bids: [['0.35210000', '672.00000000'], ['0.35200000', '1144.00000000'], ['0.35190000', '3260.00000000']],
      asks: expect.any(Array),
    });
    // Second: the first depth update (U=499869753 u=499869754) raised the 0.35170000 bid to 4265.
    expect(lines[1]).toMatchObject({ symbol: 'NKNUSDT', seq: 499869754 });
    for (const l of lines) expect(l.bids.length).toBeLessThanOrEqual(3);
  });

  it('coinbase: 10 books from snapshot + l2update, never crossed, Coinbase price strings', async () => {
    const emit = join(dir, 'coinbase.jsonl');
    const r = await dsm('book', 'replay', '--format', 'coinbase', '--emit', emit, join(CAPTURES, 'coinbase-level2-2021-04-17.ws.txt'));
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s).toMatchObject({ format: 'coinbase', events: 9729, books: 10, crossed: 0, malformed: 0, ticker_compared: 107 });
    const lines = jsonl(emit);
    expect(lines).toHaveLength(9729);
    expect(lines[0]).toMatchObject({ exchange: 'COINBASE', symbol: 'BAND-GBP', seq: 1 });
    expect(lines[0]!.asks[0]).toEqual(['14.8024', '12.77']);
    for (const l of lines) {
      const bid = l.bids[0]?.[0];
      const ask = l.asks[0]?.[0];
      if (bid && ask) expect(Number(bid)).toBeLessThan(Number(ask));
    }
  });

  it('lobster: every row matches the orderbook file; rows numbered; only known levels listed', async () => {
    const emit = join(dir, 'lobster.jsonl');
    const r = await dsm(
      'book', 'replay', '--format', 'lobster', '--emit', emit,
      join(LOBSTER, 'AAPL_2012-06-21_message_10_rows0001-0500.csv'), join(LOBSTER, 'AAPL_2012-06-21_orderbook_10_rows0001-0500.csv'),
    );
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s).toMatchObject({ format: 'lobster', books: 1, rows_compared: 499, rows_matched: 499, malformed: 0 });
    expect(s.known_depth_avg).toBeGreaterThan(2);
    expect(s.known_depth_avg).toBeLessThanOrEqual(10);
    const lines = jsonl(emit);
    expect(lines.length).toBeGreaterThan(400);
    const rows = readFileSync(join(LOBSTER, 'AAPL_2012-06-21_orderbook_10_rows0001-0500.csv'), 'utf8').trimEnd().split('\n');
    for (const l of lines) {
      expect(l.seq).toBe(l.row);
      // Each listed level equals the orderbook row at the same rank (prefix-consistent).
      const cols = rows[l.row! - 1]!.split(',').map(Number);
      l.asks.forEach(([p, q], i) => expect([Math.round(Number(p) * 10000), Number(q)]).toEqual([cols[4 * i], cols[4 * i + 1]]));
      l.bids.forEach(([p, q], i) => expect([Math.round(Number(p) * 10000), Number(q)]).toEqual([cols[4 * i + 2], cols[4 * i + 3]]));
    }
    expect(lines.find((l) => l.row === 2)!.bids.slice(0, 3)).toEqual([['585.3300', '18'], ['585.3200', '18'], ['585.3000', '150']]);
  });

  it('exits 1 when a checksum fails, and counts malformed lines without stopping', async () => {
    const src = readFileSync(join(CAPTURES, 'kraken-book-2021-04-17.ws.txt'), 'utf8').split('\n');
    const i = src.findIndex((l) => l.includes('"c":"2583817756"'));
    src[i] = src[i]!.replace('"c":"2583817756"', '"c":"2583817757"');
    src.splice(20, 0, 'garbage line', '1618678134.3: {"truncated":[1,2');
    const bad = join(dir, 'kraken-bad.txt');
    writeFileSync(bad, src.join('\n'));
    const r = await dsm('book', 'replay', '--format', 'kraken', bad);
    expect(r.code).toBe(1);
    const s = JSON.parse(r.stdout);
    expect(s.checksum_checks - s.checksum_matches).toBe(1);
    expect(s.malformed).toBe(2);
    expect(s.problems).toMatchObject({ checksum: 1, truncated: 1 });
    // The pair waits for a snapshot that never comes: its later updates are dropped, the others still check out.
    expect(s.dropped).toBeGreaterThan(0);
    expect(r.stderr).toMatch(/checksum/);
  });

  it('usage errors exit 2 with one clear line', async () => {
    const k = join(CAPTURES, 'kraken-book-2021-04-17.ws.txt');
    const cases: Array<[string[], RegExp]> = [
      [['--format', 'bitstamp', k], /bitstamp.*invalid|Allowed choices/],
      [['--format', 'binance', k], /takes 2 inputs/],
      [['--format', 'kraken', join(dir, 'missing.txt')], /input file not found: .*missing\.txt/],
      [['--format', 'kraken', '--depth', '0', k], /--depth must be a positive integer/],
      [[k], /required option/],
    ];
    const results = await Promise.all(cases.map(([args]) => dsm('book', 'replay', ...args)));
    results.forEach((r, i) => {
      const [args, msg] = cases[i]!;
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(msg);
      expect(r.stdout, args.join(' ')).toBe('');
    });
    const help = await dsm('book', 'replay', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--format <format>/);
  });
});
