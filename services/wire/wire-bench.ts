/**
 * Wire codec throughput, with the alternatives the layout choice was made against, in one run:
 *   npx tsx services/wire/wire-bench.ts [messages]
 * Prints msgs/s for encode (slab, reuse), decodeInto, and for writing/reading the same 64-bit
 * fields with DataView u32 halves and with DataView BigInt64 (the path the format avoids).
 */
import type { LevelChange } from '../marketdata/events.js';
import { readU64, write64 } from './bytes.js';
import { decodeInto } from './decode.js';
import { WireEncoder, type BookHeader } from './encode.js';
import { WireMessage } from './message.js';

const n = Number(process.argv[2] ?? 1_000_000);
const header: BookHeader = {
  exchange: 'BINANCE', symbol: 'BTCUSDT', format: { priceDecimals: 2, sizeDecimals: 8 },
  epoch: 1, seq: 1, exchSeq: 1, exchTsUs: 1_700_000_000_000_000, recvMonoNs: 5_000_000_000_000, pubMonoNs: 0,
};
const changes: LevelChange[] = [
  { side: 'bid', price: 6_543_210, size: 12_345_678 },
  { side: 'ask', price: 6_543_220, size: 87_654_321 },
];

function rate(label: string, fn: (i: number) => void): number {
  for (let i = 0; i < 20_000; i++) fn(i); // warm up the JIT
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn(i);
  const s = Number(process.hrtime.bigint() - t) / 1e9;
  const r = n / s;
  console.log(`${label.padEnd(50)} ${(r / 1e6).toFixed(2).padStart(6)} M msgs/s  ${((s / n) * 1e9).toFixed(0).padStart(5)} ns/msg`);
  return r;
}

const slab = new WireEncoder();
const reuse = new WireEncoder({ mode: 'reuse' });
const h = { ...header };
rate('encodeDelta, 2 levels (slab)', (i) => { h.seq = i + 1; slab.encodeDelta(h, changes); });
rate('encodeDelta, 2 levels (reuse)', (i) => { h.seq = i + 1; reuse.encodeDelta(h, changes); });
const bytes = slab.encodeDelta(h, changes).slice();
const target = new WireMessage();
rate('decodeInto, 2 levels (byte-wise reads)', () => { decodeInto(bytes, target); });
const snap = slab.encodeSnapshot(h, Array.from({ length: 50 }, (_, i) => [1000 - i, i + 1] as [number, number]),
  Array.from({ length: 50 }, (_, i) => [1001 + i, i + 1] as [number, number])).slice();
rate('decodeInto, 100-level snapshot', () => { decodeInto(snap, target); });

// The same seven 64-bit fields written the two DataView ways, for comparison.
const ab = new ArrayBuffer(256);
const dv = new DataView(ab);
const vals = [1, 1, 1_700_000_000_000_000, 5_000_000_000_000, 0, 6_543_210, 12_345_678];
const u8 = new Uint8Array(ab);
rate('7 u64 writes byte-wise (write64)', (i) => {
  for (let k = 0; k < 7; k++) write64(u8, 8 + k * 8, vals[k]! + i);
});
rate('7 u64 writes via DataView u32 halves (encoder)', (i) => {
  for (let k = 0; k < 7; k++) {
    const v = vals[k]! + i;
    const lo = v >>> 0;
    dv.setUint32(8 + k * 8, lo, true);
    dv.setUint32(12 + k * 8, (v - lo) / 4_294_967_296, true);
  }
});
rate('7 u64 writes via DataView setBigUint64', (i) => {
  for (let k = 0; k < 7; k++) dv.setBigUint64(8 + k * 8, BigInt(vals[k]! + i), true);
});
let sink = 0;
rate('7 u64 reads byte-wise (decoder)', () => {
  for (let k = 0; k < 7; k++) sink += readU64(bytes, 8 + k * 8);
});
rate('7 u64 reads via new DataView u32 halves', () => {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let k = 0; k < 7; k++) sink += v.getUint32(12 + k * 8, true) * 4_294_967_296 + v.getUint32(8 + k * 8, true);
});
rate('7 u64 reads via new DataView getBigUint64', () => {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let k = 0; k < 7; k++) sink += Number(v.getBigUint64(8 + k * 8, true));
});
if (sink === -1) console.log(sink);
