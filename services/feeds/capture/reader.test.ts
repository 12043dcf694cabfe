import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emptyReadStats, parseCaptureLines, readCaptureFile, readCaptureRecords } from './reader.js';
import { CaptureWriter } from './writer.js';

const CAPTURES = join(import.meta.dirname, '..', 'samples', 'captures');

describe('capture reader', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'dsm-capture-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the real Kraken capture: 1 open, 1 sent, 2148 received, 2 blank lines, nothing malformed', async () => {
    const stats = emptyReadStats();
    const kinds: Record<string, number> = {};
    let lastLine = 0;
    for await (const { line, rec } of readCaptureFile(join(CAPTURES, 'kraken-book-2021-04-17.ws.txt'), stats)) {
      kinds[rec.kind] = (kinds[rec.kind] ?? 0) + 1;
      expect(line).toBeGreaterThan(lastLine);
      lastLine = line;
    }
    expect(kinds).toEqual({ open: 1, sent: 1, recv: 2148 });
    expect(stats).toMatchObject({ lines: 2152, records: 2150, blank: 2, malformed: 0 });
  });

  it('reads the Binance REST capture as four depth responses', async () => {
    const recs = await readCaptureRecords(join(CAPTURES, 'binance-spot-depth-2021-10-12.rest.txt'));
    expect(recs.map((r) => r.rec.kind)).toEqual(['rest', 'rest', 'rest', 'rest']);
    expect(recs[0]!.rec).toMatchObject({ url: 'https://api.binance.com/api/v3/depth?symbol=NKNUSDT&limit=1000', wallUs: 1633998512320639 });
  });

  it('counts malformed lines, keeps the first few, and carries on', async () => {
    const path = join(dir, 'bad.txt');
    writeFileSync(path, ['wss://x <-> 1.0', 'garbage', '2.0: {"ok":1}', 'wss://x <- 3.0', '', '4.0: {"ok":2}'].join('\n'));
    const stats = emptyReadStats();
    const frames: string[] = [];
    for await (const { rec } of readCaptureFile(path, stats)) if (rec.kind === 'recv') frames.push(rec.frame);
    expect(frames).toEqual(['{"ok":1}', '{"ok":2}']);
    expect(stats).toMatchObject({ lines: 6, records: 3, blank: 1, malformed: 2 });
    expect(stats.malformedSamples.map((s) => s.line)).toEqual([2, 4]);
  });

  it('parses in-memory lines with the same rules', () => {
    const stats = emptyReadStats();
    const out = [...parseCaptureLines(['1.0: a', 'nope', '2.0: b'], stats)];
    expect(out.map((l) => l.line)).toEqual([1, 3]);
    expect(stats.malformed).toBe(1);
  });

  it('writer output reads back record for record', async () => {
    const path = join(dir, 'written.txt');
    const w = new CaptureWriter(path);
    w.write({ kind: 'open', url: 'wss://ws.kraken.com', wallUs: 1618678132385815 });
    w.write({ kind: 'sent', url: 'wss://ws.kraken.com', wallUs: 1618678132825306, frame: '{"event":"subscribe"}' });
    w.write({ kind: 'recv', wallUs: 1618678133294905, frame: '{"event":"heartbeat"}' });
    expect(w.write({ kind: 'recv', wallUs: 1618678133294906, frame: 'two\nlines' })).toBe(false);
    w.write({ kind: 'rest', url: 'https://h/depth?symbol=X', wallUs: 1618678133300000, body: '{"lastUpdateId":5}' });
    await w.close();
    expect(w.written).toBe(4);
    expect(w.skipped).toBe(1);
    expect(readFileSync(path, 'utf8').split('\n')[2]).toBe('1618678133.294905: {"event":"heartbeat"}');
    const back = await readCaptureRecords(path);
    expect(back.map((l) => l.rec)).toEqual([
      { kind: 'open', url: 'wss://ws.kraken.com', wallUs: 1618678132385815 },
      { kind: 'sent', url: 'wss://ws.kraken.com', wallUs: 1618678132825306, frame: '{"event":"subscribe"}' },
      { kind: 'recv', wallUs: 1618678133294905, frame: '{"event":"heartbeat"}' },
      { kind: 'rest', url: 'https://h/depth?symbol=X', wallUs: 1618678133300000, body: '{"lastUpdateId":5}' },
    ]);
  });
});
