import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeItch, stockDirectory } from '../../services/feeds/itch/codec.js';
import type { ItchMessage } from '../../services/feeds/itch/messages.js';
import { encodeMoldPacket } from '../../services/feeds/itch/moldudp64.js';
import { runDsm } from '../../test/harness/cli.js';


const dsm = (...args: string[]) => runDsm(args);

const h = (stockLocate: number, t: number) => ({ stockLocate, trackingNumber: 0, timestampNs: t });

/** A small session: directory, adds on both sides (one with MPID), execute, cancel, replace, delete. */
const SESSION: ItchMessage[] = [
  { type: 'S', ...h(0, 1), eventCode: 'O' },
  stockDirectory(7, 'AAPL', 2),
  { type: 'A', ...h(7, 3), orderRef: 1, side: 'B', shares: 100, stock: 'AAPL', price: 1_500_000 },
  { type: 'A', ...h(7, 4), orderRef: 2, side: 'B', shares: 200, stock: 'AAPL', price: 1_499_900 },
  { type: 'F', ...h(7, 5), orderRef: 3, side: 'S', shares: 300, stock: 'AAPL', price: 1_500_100, attribution: 'GSCO' },
  { type: 'E', ...h(7, 6), orderRef: 1, executedShares: 40, matchNumber: 1 },
  { type: 'X', ...h(7, 7), orderRef: 3, cancelledShares: 100 },
  { type: 'U', ...h(7, 8), originalOrderRef: 2, newOrderRef: 4, shares: 250, price: 1_499_800 },
  { type: 'D', ...h(7, 9), orderRef: 1 },
  { type: 'D', ...h(7, 10), orderRef: 99 },
];

/** Nasdaq's historical file layout: each message preceded by its 2-byte big-endian length. */
function lengthPrefixed(msgs: ItchMessage[]): Buffer {
  return Buffer.concat(
    msgs.map((m) => {
      const body = encodeItch(m);
      const len = Buffer.alloc(2);
      len.writeUInt16BE(body.length);
      return Buffer.concat([len, body]);
    }),
  );
}

describe('dsm book replay --format itch', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'dsm-itch-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('builds the expected book from a length-prefixed ITCH file and reports the unknown order', async () => {
    const file = join(dir, 'session.itch');
    const emit = join(dir, 'itch.jsonl');
    writeFileSync(file, lengthPrefixed(SESSION));
    const r = await dsm('book', 'replay', '--format', 'itch', '--emit', emit, file);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s).toMatchObject({ format: 'itch', framing: 'stream', books: 1, gaps: 0, malformed: 0, messages: 10, unknown_orders: 1 });
    expect(s.problems).toMatchObject({ 'unknown-order': 1 });
    const lines = readFileSync(emit, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
    const last = lines.at(-1);
    // After everything: order 1 gone, order 2 replaced by 4 at 149.9800 x 250, order 3 down to 200.
    expect(last).toEqual({ exchange: 'NASDAQ', symbol: 'AAPL', seq: expect.any(Number), bids: [['149.9800', '250']], asks: [['150.0100', '200']] });
    const afterExec = lines.find((l) => l.bids[0]?.[1] === '60');
    expect(afterExec).toMatchObject({ bids: [['150.0000', '60'], ['149.9900', '200']], asks: [['150.0100', '300']] });
  });

  it('detects a MoldUDP64 sequence gap in a packet file', async () => {
    const file = join(dir, 'mold.bin');
    const msgs = SESSION.slice(0, 9).map(encodeItch);
    // Packets carry sequences 1-3, then 6-9: messages 4 and 5 are missing.
    writeFileSync(file, Buffer.concat([encodeMoldPacket('SESSION001', 1, msgs.slice(0, 3)), encodeMoldPacket('SESSION001', 6, msgs.slice(5, 9))]));
    const r = await dsm('book', 'replay', '--format', 'itch', file);
    const s = JSON.parse(r.stdout);
    expect(s).toMatchObject({ format: 'itch', framing: 'mold', gaps: 1, missing_messages: 2 });
    expect(s.problems.gap).toBe(1);
  });
});
