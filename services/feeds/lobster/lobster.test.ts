import { join } from 'node:path';
import { isProblem, newYorkMidnightUs, parseMessageLine, parseOrderbookLine, toBookEvent } from './parse.js';
import { parseLobsterFileName, readLinesSync, replayLobsterFiles } from './files.js';
import { replayLobster } from './replay.js';

const DIR = join(import.meta.dirname, '../samples/lobster');
const MSG = join(DIR, 'AAPL_2012-06-21_message_10_rows0001-0500.csv');
const OB = join(DIR, 'AAPL_2012-06-21_orderbook_10_rows0001-0500.csv');
const tags = { exchange: 'NASDAQ', symbol: 'AAPL', recvMonoNs: 0, recvWallUs: 0 };

describe('LOBSTER parsing', () => {
  it('parses a message row exactly', () => {
    expect(parseMessageLine('34200.004241176,1,16113575,18,5853300,1', 1)).toEqual({
      row: 1, timeNs: 34200004241176, type: 1, orderId: 16113575, size: 18, price: 5853300, side: 'bid',
    });
    expect(parseMessageLine('34200.5,3,7,100,5859100,-1\r', 2)).toMatchObject({ timeNs: 34200500000000, side: 'ask', type: 3 });
  });

  it('reports malformed message rows by kind instead of throwing', () => {
    const kind = (line: string) => {
      const r = parseMessageLine(line, 9);
      return isProblem(r) ? r.kind : 'ok';
    };
    expect(kind('34200.1,1,5,18,5853300')).toBe('truncated');
    expect(kind('34200.1,1,5,18,5853300,1,9')).toBe('malformed');
    expect(kind('abc,1,5,18,5853300,1')).toBe('malformed');
    expect(kind('34200.1,1,5,1.5,5853300,1')).toBe('malformed');
    expect(kind('34200.1,9,5,18,5853300,1')).toBe('unknown-type');
    expect(kind('34200.1,1,5,-18,5853300,1')).toBe('negative-size');
    expect(kind('34200.1,1,5,18,5853300,0')).toBe('malformed');
    expect(kind('34200.1,1,5,18,0,1')).toBe('malformed');
    expect(kind('34200.1,7,0,0,-1,-1')).toBe('ok');
    expect(kind('')).toBe('truncated');
  });

  it('parses orderbook rows, dropping padding, and rejects inconsistent ones', () => {
    const row = parseOrderbookLine('5859400,200,5853300,18,9999999999,0,5853000,150', 3);
    expect(row).toEqual({ row: 3, levels: 2, asks: [[5859400, 200]], bids: [[5853300, 18], [5853000, 150]] });
    const kind = (line: string) => {
      const r = parseOrderbookLine(line, 1);
      return isProblem(r) ? r.kind : 'ok';
    };
    expect(kind('5859400,200,5853300')).toBe('truncated');
    expect(kind('5859400,200,5853300,x')).toBe('malformed');
    expect(kind('5859400,200,5853300,18,5859300,10,5853000,150')).toBe('malformed'); // asks not ascending
    expect(kind('9999999999,0,5853300,18,5859300,10,5853000,150')).toBe('malformed'); // level after padding
    expect(kind('5859400,-5,5853300,18')).toBe('negative-size');
  });

  it('maps messages to normalized events with exchange timestamps from New York midnight', () => {
    const midnight = newYorkMidnightUs('2012-06-21');
    expect(midnight).toBe(Date.UTC(2012, 5, 21, 4) * 1000); // EDT
    expect(newYorkMidnightUs('2012-01-03')).toBe(Date.UTC(2012, 0, 3, 5) * 1000); // EST
    const msg = parseMessageLine('34200.004241176,4,16113575,18,5853300,1', 7);
    if (isProblem(msg)) throw new Error(msg.detail);
    expect(toBookEvent(msg, tags, midnight)).toEqual({
      ...tags, exchSeq: 7, exchTsUs: midnight + 34200004241, type: 'order-reduce', orderId: 16113575, size: 18, reason: 'execute', execPrice: 5853300, side: 'bid', price: 5853300,
    });
    const del = parseMessageLine('1.0,3,5,10,100,-1', 8);
    const hidden = parseMessageLine('1.0,5,0,10,100,-1', 9);
    const halt = parseMessageLine('1.0,7,0,0,-1,-1', 10);
    if (isProblem(del) || isProblem(hidden) || isProblem(halt)) throw new Error('parse');
    expect(toBookEvent(del, tags)).toMatchObject({ type: 'order-delete', orderId: 5, side: 'ask', price: 100, size: 10 });
    expect(toBookEvent(hidden, tags)).toBeUndefined();
    expect(toBookEvent(halt, tags)).toMatchObject({ type: 'status', status: 'halted' });
  });

  it('reads what the file name says', () => {
    expect(parseLobsterFileName(MSG)).toEqual({ symbol: 'AAPL', date: '2012-06-21', kind: 'message', levels: 10 });
    expect(parseLobsterFileName('/x/MSFT_2012-06-21_34200000_57600000_orderbook_50.csv')).toEqual({ symbol: 'MSFT', date: '2012-06-21', kind: 'orderbook', levels: 50 });
    expect(parseLobsterFileName('book.csv')).toBeUndefined();
  });
});

describe('LOBSTER replay: ground truth over the real AAPL sample', () => {
  it('every level the book reports equals the orderbook row at that position, after every message', () => {
    let checkedLevels = 0;
    const rowsSeen: number[] = [];
    const obLines = [...readLinesSync(OB)];
    const result = replayLobsterFiles(MSG, OB, {
      onRow(r, model) {
        rowsSeen.push(r.row);
        // Check independently of the model's own comparison: reported levels are a prefix of the row.
        const truth = parseOrderbookLine(obLines[r.row - 1]!, r.row);
        if (isProblem(truth)) throw new Error(truth.detail);
        const snap = model.book.snapshot(10);
        expect(snap.bids).toEqual(truth.bids.slice(0, snap.bids.length));
        expect(snap.asks).toEqual(truth.asks.slice(0, snap.asks.length));
        checkedLevels += snap.bids.length + snap.asks.length;
      },
    });
    const s = result.summary;
    expect(s).toMatchObject({ exchange: 'NASDAQ', symbol: 'AAPL', events: 500, books: 1, seed_row: 1, rows_compared: 499, rows_matched: 499, mismatches: 0, first_mismatch: null, malformed_lines: 0, problems: 0, fill_unknown: false, filled_levels: 0 });
    expect(rowsSeen).toEqual(Array.from({ length: 500 }, (_, i) => i + 1));
    // Known depth measured on this sample (see services/feeds/lobster/README.md): the model keeps
    // real knowledge, not a trivially empty book, and never claims more than the window.
    expect(s.known_depth_avg).toBeGreaterThan(4);
    expect(s.known_depth_avg).toBeLessThanOrEqual(10);
    expect(s.known_ask_depth_avg).toBeGreaterThan(5);
    expect(checkedLevels).toBeGreaterThan(4000);
    // Executions/cancels of orders resting before the file started, handled by price level.
    expect(s.level_fallbacks).toBeGreaterThan(0);
    expect(s.hidden_executions).toBe(25);
  });

  it('can fill unknown levels from the orderbook file, and says so', () => {
    const { summary } = replayLobsterFiles(MSG, OB, { fillUnknown: true });
    expect(summary.fill_unknown).toBe(true);
    expect(summary.filled_levels).toBeGreaterThan(0);
    expect(summary.mismatches).toBe(0);
    expect(summary.known_depth_avg).toBeGreaterThan(9.5);
  });

  it('detects a wrong book: a tampered message shows up as a mismatch', () => {
    const msgs = [...readLinesSync(MSG)];
    // Row 2 adds 18 shares at 5853200; claim 19 instead.
    msgs[1] = msgs[1]!.replace(',18,5853200,', ',19,5853200,');
    const { summary } = replayLobster(msgs, readLinesSync(OB), { symbol: 'AAPL' });
    expect(summary.mismatches).toBeGreaterThan(0);
    expect(summary.first_mismatch).toMatch(/^row 2: bid level 2: model 5853200x19, row 5853200x18/);
  });

  it('counts garbage lines and keeps going', () => {
    const msgs = [...readLinesSync(MSG)].slice(0, 50);
    const obs = [...readLinesSync(OB)].slice(0, 51);
    msgs[10] = 'garbage';
    msgs[20] = '34200.1,9,1,1,1,1';
    obs[30] = '1,2,3';
    const { summary, problems } = replayLobster(msgs, obs, { symbol: 'AAPL' });
    expect(summary.malformed_lines).toBe(3);
    expect(problems.map((p) => p.kind)).toEqual(['truncated', 'unknown-type', 'truncated', 'truncated']);
    expect(problems.at(-1)?.detail).toMatch(/message file ended at row 50/);
    expect(summary.rows_compared).toBe(48);
  });
});

describe('LOBSTER model: what a level-N file cannot reveal stays unknown', () => {
  // Level-2 file, hand-made. Row k is the book after message k.
  const ob = (bids: Array<[number, number]>, asks: Array<[number, number]>) => {
    const cells: number[] = [];
    for (let i = 0; i < 2; i++) {
      const a = asks[i] ?? [9999999999, 0];
      const b = bids[i] ?? [-9999999999, 0];
      cells.push(a[0], a[1], b[0], b[1]);
    }
    return cells.join(',');
  };

  it('a level pushed out of the window and back is not reported, then executions reveal the top again', () => {
    const msgs = [
      '1.0,1,1,10,100,1', // seed row: bids 100x10, 99x5
      '1.1,1,2,7,101,1', // new best bid: 99 leaves the window
      '1.2,3,2,7,101,1', // 99 comes back (its size changed unseen: 5 -> 8)
      '1.3,4,1,10,100,1', // 100 fully executed; 99 is now best, still unknown
      '1.4,1,3,4,102,1', // a new bid above the last execution price: known again
    ];
    const obs = [
      ob([[100, 10], [99, 5]], [[110, 1]]),
      ob([[101, 7], [100, 10]], [[110, 1]]),
      ob([[100, 10], [99, 8]], [[110, 1]]),
      ob([[99, 8], [98, 1]], [[110, 1]]),
      ob([[102, 4], [99, 8]], [[110, 1]]),
    ];
    const { rows, summary } = replayLobster(msgs, obs, { symbol: 'T' });
    expect(summary.mismatches).toBe(0);
    expect(rows.map((r) => r.knownBids)).toEqual([2, 2, 1, 0, 1]);
    // Asks: only one real level in a level-2 file means the whole side is known.
    expect(rows.map((r) => r.knownAsks)).toEqual([1, 1, 1, 1, 1]);
  });

  it('empty prices beyond the Nth level stop being known too: an unreported order can land there', () => {
    const msgs = [
      '1.0,1,1,10,100,1', // seed: bids 100x10, 98x5
      '1.1,1,2,7,101,1', // 98 leaves the window, and so does the empty 99
      // (an order for 99 arrives here, outside the window: no message)
      '1.2,3,2,7,101,1', // 99 enters the window holding 4 shares nobody reported
    ];
    const obs = [ob([[100, 10], [98, 5]], [[110, 1]]), ob([[101, 7], [100, 10]], [[110, 1]]), ob([[100, 10], [99, 4]], [[110, 1]])];
    const { rows, summary } = replayLobster(msgs, obs, { symbol: 'T' });
    expect(summary.mismatches).toBe(0);
    expect(rows.map((r) => r.knownBids)).toEqual([2, 2, 1]);
  });

  it('claiming an unknown level would be caught: the row reveals a level inside the known range', () => {
    const msgs = ['1.0,1,1,10,100,1', '1.1,3,1,10,100,1'];
    const obs = [ob([[100, 10]], [[110, 1]]), ob([[95, 3]], [[110, 1]])];
    const { summary } = replayLobster(msgs, obs, { symbol: 'T' });
    // The seed said the bid side had one level, so 95 appearing with no message is a contradiction.
    expect(summary.mismatches).toBe(1);
    expect(summary.first_mismatch).toMatch(/inside the known range/);
  });
});
