/**
 * Subscriber hot path throughput: decode + route + sequence check + L2 apply, per message.
 *   npx tsx services/mirror/mirror-bench.ts [messages] [symbols]
 * Messages are real encoded deltas (2 levels each, as from L2Book.takeDeltas) spread over
 * `symbols` books, pre-encoded so only the subscriber side is timed. The same messages are
 * also run through decode alone, so the mirror's own cost shows as the difference.
 */
import { L2Book } from '../marketdata/book/l2-book.js';
import { decodeInto } from '../wire/decode.js';
import { WireEncoder } from '../wire/encode.js';
import { WireMessage } from '../wire/message.js';
import { MirrorSet } from './mirror-set.js';

const n = Number(process.argv[2] ?? 300_000);
const symbols = Number(process.argv[3] ?? 50);
const format = { priceDecimals: 2, sizeDecimals: 8 };

function makeFeed(): Uint8Array[] {
  const enc = new WireEncoder();
  const books = Array.from({ length: symbols }, (_, s) => new L2Book('BINANCE', `SYM${s}`, format));
  const seqs = new Array<number>(symbols).fill(0);
  let x = 12345;
  const rnd = () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const out: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const s = i % symbols;
    const book = books[s]!;
    book.set('bid', 100_000 - Math.floor(rnd() * 40), Math.floor(rnd() * 4) * 1000);
    book.set('ask', 100_001 + Math.floor(rnd() * 40), 1 + Math.floor(rnd() * 4) * 1000);
    const h = { exchange: 'BINANCE', symbol: `SYM${s}`, format, epoch: 1, seq: ++seqs[s]!, exchSeq: i, exchTsUs: i, recvMonoNs: i };
    out.push(enc.encodeDelta(h, book.takeDeltas()));
  }
  return out;
}

const feed = makeFeed();
const target = new WireMessage();
const rounds = 4;
let decodeS = Infinity;
let mirrorS = Infinity;
let set = new MirrorSet();
// Each round gets fresh mirrors (the same feed again would be all duplicates); the best round
// is reported, the first ones being JIT warm-up.
for (let r = 0; r < rounds; r++) {
  let t = process.hrtime.bigint();
  for (const b of feed) decodeInto(b, target);
  decodeS = Math.min(decodeS, Number(process.hrtime.bigint() - t) / 1e9);
  set = new MirrorSet();
  t = process.hrtime.bigint();
  for (const b of feed) set.handleBytes(b);
  mirrorS = Math.min(mirrorS, Number(process.hrtime.bigint() - t) / 1e9);
}
const totals = set.totals();
if (totals.applied !== n) throw new Error(`expected ${n} applied, got ${totals.applied}`);

console.log(`messages ${n} over ${symbols} symbols, avg ${(feed.reduce((a, b) => a + b.length, 0) / n).toFixed(0)} bytes, best of ${rounds}`);
console.log(`decode only:                   ${(n / decodeS / 1e6).toFixed(2)} M msgs/s  ${((decodeS / n) * 1e9).toFixed(0)} ns/msg`);
console.log(`decode + mirror (handleBytes): ${(n / mirrorS / 1e6).toFixed(2)} M msgs/s  ${((mirrorS / n) * 1e9).toFixed(0)} ns/msg`);
console.log(JSON.stringify({ applied: totals.applied, live: totals.live, gaps: totals.gaps, duplicates: totals.duplicates }));
