/**
 * Book engine benchmark: the same deterministic L2 stream replayed into the DSM L2Book and into
 * ccxt's OrderBook (the most widely used JavaScript implementation), in one process, in
 * alternating rounds after a warmup, so machine noise hits both alike. Reports medians and the
 * ratio, and checks that both books end identical (otherwise the numbers mean nothing).
 *
 * Optional `alternatives`: the same stream with a top-10 read after every 10 updates (what an
 * emitter does per message) for the DSM ladder and the structures it was chosen over
 * (bench/book-alternatives.ts).
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import ccxt from 'ccxt';
import { L2Book } from '../services/marketdata/book/l2-book.js';
import { replayWithReads, spreadPrices } from './book-alternatives.js';
import { generateL2Stream, type L2Stream } from './l2-stream.js';

/** The slice of ccxt's OrderBook this benchmark drives (ccxt ships it untyped). */
interface CcxtSide extends Array<[number, number]> {
  store(price: number, size: number): void;
}
interface CcxtOrderBook {
  bids: CcxtSide;
  asks: CcxtSide;
}
type CcxtOrderBookClass = new (snapshot?: object, depth?: number) => CcxtOrderBook;

export interface BookBenchOptions {
  events?: number;
  rounds?: number;
  seed?: number;
  warmupEvents?: number;
  alternatives?: boolean;
}

export interface BookBenchResult {
  events: number;
  rounds: number;
  seed: number;
  delete_share: number;
  distinct_prices: number;
  dsm_updates_per_s: number;
  baseline: string;
  baseline_updates_per_s: number;
  ratio: number;
  /** Every round, in the order run (DSM and ccxt alternate which goes first). */
  dsm_rounds_per_s: number[];
  baseline_rounds_per_s: number[];
  /** Final books identical (every level, both sides). */
  books_agree: boolean;
  final_depth: { bids: number; asks: number };
  /** With a delta drain after every 10 updates (what the publisher does per message). */
  dsm_with_deltas_updates_per_s: number;
  /** The same through the allocation-free `drainDeltas` visitor. */
  dsm_with_delta_visits_updates_per_s: number;
  alternatives?: {
    dsm_ladder_with_top10_reads_per_s: number;
    dense_grid_with_top10_reads_per_s: number;
    naive_map_sort_with_top10_reads_per_s: number;
    /** The same, with levels 100 price units apart (sparse in price-unit space). */
    sparse_dsm_ladder_with_top10_reads_per_s: number;
    sparse_dense_grid_with_top10_reads_per_s: number;
    /** All structures returned the same final top 10. */
    reads_agree: boolean;
  };
  targets: { min_ratio: number; min_dsm_updates_per_s: number; met: boolean };
  machine: { node: string; cpus: number; model: string };
}

const FORMAT = { priceDecimals: 2, sizeDecimals: 0 };

/** ccxt exports its OrderBook class only through an exchange's `orderBook()` factory. */
export function ccxtOrderBookClass(): CcxtOrderBookClass {
  const exchange = new (ccxt as unknown as { pro: { binance: new () => { orderBook(s: object): object } } }).pro.binance();
  return exchange.orderBook({}).constructor as CcxtOrderBookClass;
}

export function ccxtVersion(): string {
  try {
    const entry = fileURLToPath(import.meta.resolve('ccxt'));
    const pkg = JSON.parse(readFileSync(entry.replace(/\/js\/ccxt\.js$/, '/package.json'), 'utf8')) as { version: string };
    return pkg.version;
  } catch {
    return (ccxt as unknown as { version: string }).version;
  }
}

function replayDsm(s: L2Stream, n: number): { seconds: number; book: L2Book } {
  const book = new L2Book('BENCH', 'BTC-USD', FORMAT);
  const { sides, prices, sizes } = s;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) book.set(sides[i] === 0 ? 'bid' : 'ask', prices[i]!, sizes[i]!);
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, book };
}

/** Drain deltas after every 10 updates, as objects (`takeDeltas`) or through a visitor (`drainDeltas`). */
function replayDsmWithDeltas(s: L2Stream, n: number, how: 'take' | 'visit'): number {
  const book = new L2Book('BENCH', 'BTC-USD', FORMAT);
  const { sides, prices, sizes } = s;
  let changes = 0;
  let sizeSum = 0;
  const visit = (_side: string, _price: number, size: number) => {
    sizeSum += size;
  };
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    book.set(sides[i] === 0 ? 'bid' : 'ask', prices[i]!, sizes[i]!);
    if (i % 10 === 9) changes += how === 'take' ? book.takeDeltas().length : book.drainDeltas(visit);
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (changes === 0 || (how === 'visit' && sizeSum === 0)) throw new Error('no deltas recorded');
  return n / seconds;
}

function replayCcxt(s: L2Stream, n: number, OrderBook: CcxtOrderBookClass): { seconds: number; book: CcxtOrderBook } {
  const book = new OrderBook({});
  const { sides, prices, sizes } = s;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) (sides[i] === 0 ? book.bids : book.asks).store(prices[i]!, sizes[i]!);
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, book };
}

function sameBooks(dsm: L2Book, cx: CcxtOrderBook): boolean {
  const snap = dsm.snapshot();
  const eq = (a: Array<[number, number]>, b: Array<[number, number]>) => a.length === b.length && a.every((l, i) => l[0] === b[i]![0] && l[1] === b[i]![1]);
  return eq(snap.bids, [...cx.bids]) && eq(snap.asks, [...cx.asks]);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

export function machineInfo(): BookBenchResult['machine'] {
  const cpus = os.cpus();
  return { node: process.version, cpus: cpus.length, model: cpus[0]?.model.trim() ?? 'unknown' };
}

export function runBookBench(opts: BookBenchOptions = {}): BookBenchResult {
  const events = opts.events ?? 1_000_000;
  const rounds = opts.rounds ?? 5;
  const seed = opts.seed ?? 42;
  const stream = generateL2Stream({ events, seed });
  const OrderBook = ccxtOrderBookClass();

  // Warmup: let both reach optimized code before anything is timed.
  const warm = Math.min(events, opts.warmupEvents ?? 200_000);
  for (let k = 0; k < 3; k++) {
    replayDsm(stream, warm);
    replayCcxt(stream, warm, OrderBook);
    replayDsmWithDeltas(stream, warm, 'take');
    replayDsmWithDeltas(stream, warm, 'visit');
  }

  const dsmRounds: number[] = [];
  const ccxtRounds: number[] = [];
  let agree = true;
  let depth = { bids: 0, asks: 0 };
  for (let r = 0; r < rounds; r++) {
    // Alternate who goes first so neither always runs on a warmer (or noisier) moment.
    let d: ReturnType<typeof replayDsm>;
    let c: ReturnType<typeof replayCcxt>;
    if (r % 2 === 0) {
      d = replayDsm(stream, events);
      c = replayCcxt(stream, events, OrderBook);
    } else {
      c = replayCcxt(stream, events, OrderBook);
      d = replayDsm(stream, events);
    }
    dsmRounds.push(events / d.seconds);
    ccxtRounds.push(events / c.seconds);
    if (r === 0) {
      agree = sameBooks(d.book, c.book);
      depth = { bids: d.book.depth('bid'), asks: d.book.depth('ask') };
    }
  }
  const withDeltas: number[] = [];
  const withVisits: number[] = [];
  for (let r = 0; r < Math.max(1, Math.min(rounds, 3)); r++) {
    withDeltas.push(replayDsmWithDeltas(stream, events, 'take'));
    withVisits.push(replayDsmWithDeltas(stream, events, 'visit'));
  }

  let alternatives: BookBenchResult['alternatives'];
  if (opts.alternatives) {
    const n = Math.min(events, 300_000);
    const sparse = spreadPrices(stream, 100);
    const runs = [
      ['ladder', stream],
      ['grid', stream],
      ['map', stream],
      ['ladder', sparse],
      ['grid', sparse],
    ] as const;
    for (const [k, s] of runs) replayWithReads(s, Math.min(n, 50_000), k);
    const rates: number[][] = runs.map(() => []);
    const tops: string[][] = [[], []];
    for (let r = 0; r < 3; r++) {
      const order = runs.map((_, i) => i);
      if (r % 2 === 1) order.reverse();
      for (const i of order) {
        const [k, s] = runs[i]!;
        const res = replayWithReads(s, n, k);
        rates[i]!.push(res.perSecond);
        if (r === 0) tops[s === stream ? 0 : 1]!.push(JSON.stringify(res.lastTop));
      }
    }
    const m = (i: number) => Math.round(median(rates[i]!));
    alternatives = {
      dsm_ladder_with_top10_reads_per_s: m(0),
      dense_grid_with_top10_reads_per_s: m(1),
      naive_map_sort_with_top10_reads_per_s: m(2),
      sparse_dsm_ladder_with_top10_reads_per_s: m(3),
      sparse_dense_grid_with_top10_reads_per_s: m(4),
      reads_agree: tops.every((group) => group.every((t) => t === group[0])),
    };
  }

  const dsm = median(dsmRounds);
  const base = median(ccxtRounds);
  const ratio = round2(dsm / base);
  return {
    events, rounds, seed,
    delete_share: round2(stream.deleteShare),
    distinct_prices: stream.distinctPrices,
    dsm_updates_per_s: Math.round(dsm),
    baseline: `ccxt OrderBook ${ccxtVersion()}`,
    baseline_updates_per_s: Math.round(base),
    ratio,
    dsm_rounds_per_s: dsmRounds.map(Math.round),
    baseline_rounds_per_s: ccxtRounds.map(Math.round),
    books_agree: agree,
    final_depth: depth,
    dsm_with_deltas_updates_per_s: Math.round(median(withDeltas)),
    dsm_with_delta_visits_updates_per_s: Math.round(median(withVisits)),
    ...(alternatives ? { alternatives } : {}),
    targets: { min_ratio: 3, min_dsm_updates_per_s: 5_000_000, met: ratio >= 3 && dsm >= 5_000_000 && agree },
    machine: machineInfo(),
  };
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

const fmt = (x: number) => `${(x / 1e6).toFixed(2)} M/s`;

export function formatBookBench(r: BookBenchResult): string {
  const lines = [
    `book benchmark: ${r.events.toLocaleString('en-US')} L2 updates (seed ${r.seed}, ${Math.round(r.delete_share * 100)}% deletes, ${r.distinct_prices} price levels touched), ${r.rounds} alternating rounds, medians`,
    `  DSM L2Book           ${fmt(r.dsm_updates_per_s)}   rounds: ${r.dsm_rounds_per_s.map(fmt).join(', ')}`,
    `  ${r.baseline.padEnd(20)} ${fmt(r.baseline_updates_per_s)}   rounds: ${r.baseline_rounds_per_s.map(fmt).join(', ')}`,
    `  ratio                ${r.ratio}x   (targets: >= ${r.targets.min_ratio}x and >= ${fmt(r.targets.min_dsm_updates_per_s)}: ${r.targets.met ? 'met' : 'NOT met'})`,
    `  DSM with deltas drained every 10 updates: ${fmt(r.dsm_with_deltas_updates_per_s)} (takeDeltas), ${fmt(r.dsm_with_delta_visits_updates_per_s)} (drainDeltas visitor)`,
    `  final books identical: ${r.books_agree ? 'yes' : 'NO'} (${r.final_depth.bids} bid / ${r.final_depth.asks} ask levels)`,
  ];
  if (r.alternatives) {
    const a = r.alternatives;
    lines.push(`  with a top-10 read every 10 updates: DSM ladder ${fmt(a.dsm_ladder_with_top10_reads_per_s)}, dense price grid ${fmt(a.dense_grid_with_top10_reads_per_s)}, naive Map+sort ${fmt(a.naive_map_sort_with_top10_reads_per_s)}${a.reads_agree ? '' : ' (READS DIFFER)'}`);
    lines.push(`    levels 100 price units apart: DSM ladder ${fmt(a.sparse_dsm_ladder_with_top10_reads_per_s)}, dense price grid ${fmt(a.sparse_dense_grid_with_top10_reads_per_s)}`);
  }
  lines.push(`  machine: ${r.machine.model}, ${r.machine.cpus} cpus, node ${r.machine.node}`);
  return lines.join('\n');
}
