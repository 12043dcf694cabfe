/**
 * Allocation on the hot paths, without NATS: bytes allocated per update and GCs per million
 * updates for the ingest's publish engine (book, delta, encode) and for the subscriber's
 * decode + mirror, in steady state (every book already exists), at a given number of symbols.
 *
 * Method: the driver reuses one update object (no allocation of its own), runs chunks of
 * updates, and reads the heap before and after each chunk; a chunk during which no GC ran
 * allocated exactly the heap growth, so the median over GC-free chunks is bytes per update.
 * GCs are counted over everything (perf_hooks GC entries).
 */
import { PublishEngine } from '../services/ingest/publish-engine.js';
import type { FeedUpdate } from '../services/ingest/feed-update.js';
import type { LevelChange } from '../services/marketdata/events.js';
import { MirrorSet } from '../services/mirror/mirror-set.js';
import { generateL2Stream } from './l2-stream.js';
import { fullGc, GcCounter } from './probes.js';

export interface AllocResult {
  path: string;
  symbols: number;
  updates: number;
  /** Median heap growth per update over chunks in which no GC ran (null: every chunk saw a GC). */
  bytes_per_update: number | null;
  /**
   * The least over GC-free chunks: what the hot path itself allocates per update shows in every
   * chunk, while stray allocation by whatever else shares the thread (a test runner's reporting,
   * a deoptimisation on a loaded machine) shows only in some. What tests judge.
   */
  floor_bytes_per_update: number | null;
  gcs_per_million: number;
  /** Median CPU time per update over the chunks (process CPU time, so waiting for a core on a loaded machine is not counted). */
  ns_per_update: number;
}

const CHUNK = 20_000;
/** Warm-up updates: every book exists, ladders and touched sets have grown, the JIT has settled. */
const warmup = (symbols: number) => Math.max(symbols * 4, 60_000);

async function measure(path: string, symbols: number, updates: number, step: (i: number) => void): Promise<AllocResult> {
  // Warm-up: one pass creates every book and lets the JIT settle.
  for (let i = 0; i < warmup(symbols); i++) step(i);
  fullGc();
  const gc = new GcCounter();
  gc.start();
  const perChunk: number[] = [];
  const times: number[] = [];
  let seen = 0;
  for (let done = 0; done < updates; done += CHUNK) {
    const before = process.memoryUsage().heapUsed;
    const gcBefore = seen;
    const t0 = process.cpuUsage();
    for (let i = 0; i < CHUNK; i++) step(warmup(symbols) + done + i);
    const used = process.cpuUsage(t0);
    times.push(((used.user + used.system) * 1000) / CHUNK);
    const after = process.memoryUsage().heapUsed;
    await new Promise((r) => setImmediate(r)); // GC entries arrive asynchronously
    seen = gcCountSoFar(gc);
    if (seen === gcBefore && after >= before) perChunk.push((after - before) / CHUNK);
  }
  const counts = await gc.stop();
  perChunk.sort((a, b) => a - b);
  const median = perChunk.length ? perChunk[perChunk.length >> 1]! : null;
  times.sort((a, b) => a - b);
  return { path, symbols, updates, ns_per_update: Math.round(times[times.length >> 1]!), bytes_per_update: median === null ? null : Math.round(median * 10) / 10, floor_bytes_per_update: perChunk.length ? Math.round(perChunk[0]! * 10) / 10 : null, gcs_per_million: Math.round(((counts.minor + counts.major) * 1e6) / updates * 10) / 10 };
}

function gcCountSoFar(gc: GcCounter): number {
  const c = (gc as unknown as { counts: { minor: number; major: number; other: number } }).counts;
  return c.minor + c.major + c.other;
}

/** One stream per symbol, long enough for warm-up plus the measured updates. */
function streams(symbols: number, updates: number) {
  const per = Math.ceil((updates + warmup(symbols) + CHUNK) / symbols) + 1;
  return Array.from({ length: symbols }, (_, k) => generateL2Stream({ events: per, seed: 7 + k }));
}

export async function measureHotPathAllocations(symbols = 10_000, updates = 1_000_000): Promise<AllocResult[]> {
  const ss = streams(symbols, updates);
  const names = Array.from({ length: symbols }, (_, k) => `SYM${k}`);
  const change: LevelChange = { side: 'bid', price: 0, size: 0 };
  const u: FeedUpdate = { kind: 'delta', exchange: 'BENCH', symbol: '', format: { priceDecimals: 2, sizeDecimals: 0 }, exchSeq: 0, exchTsUs: 0, recvMonoNs: 0, recvWallUs: 0, atUs: 0, changes: [change] };
  const fill = (i: number) => {
    const k = i % symbols;
    const j = Math.floor(i / symbols);
    const s = ss[k]!;
    u.symbol = names[k]!;
    u.exchSeq = j + 1;
    change.side = s.sides[j] === 0 ? 'bid' : 'ask';
    change.price = s.prices[j]!;
    change.size = s.sizes[j]!;
  };

  // As an ingest core runs it: payloads are copied into PUB frames at once (frame-publisher.ts),
  // so the engine encodes into one reused buffer.
  const engine = new PublishEngine({ epoch: 1, dataSuffix: 'orderbook', snapshotDepth: 50_000, transientPayloads: true });
  const ingest = await measure('ingest: PublishEngine.apply (book, delta, encode)', symbols, updates, (i) => { fill(i); engine.apply(u); });

  // The subscriber side decodes the very bytes the engine publishes: encode them up front into
  // one buffer (outside the measurement), then feed views that are also made up front.
  const pre = new PublishEngine({ epoch: 1, dataSuffix: 'orderbook', snapshotDepth: 50_000 });
  const total = warmup(symbols) + Math.ceil(updates / CHUNK) * CHUNK;
  const payloads: Array<Uint8Array | undefined> = new Array(total);
  for (let i = 0; i < total; i++) { fill(i); const out = pre.apply(u); payloads[i] = out?.payload.slice(); }
  const mirrors = new MirrorSet();
  const sub = await measure('subscriber: decode + sequence check + mirror apply', symbols, updates, (i) => { const p = payloads[i]; if (p) mirrors.handleBytes(p); });
  const t = mirrors.totals();
  if (t.gaps !== 0 || t.malformed !== 0) throw new Error(`allocation benchmark stream is broken: ${t.gaps} gaps, ${t.malformed} malformed`);
  return [ingest, sub];
}

export interface SetupHeapResult {
  path: string;
  books: number;
  /**
   * JS heap retained per new book after a full GC (array buffers' off-heap memory not counted):
   * what a book's first message leaves for every later young-generation collection to copy, and
   * what a whole market's first second makes the collector walk.
   */
  heap_bytes_per_book: number;
  /** Array-buffer memory (off the heap: level arenas, slabs) retained per new book. */
  array_buffer_bytes_per_book: number;
}

/**
 * What a book's first update leaves on the heap, for the publish engine and for a subscriber's
 * mirror: `books` new books (one update each, the subscriber decoding the engine's own bytes).
 */
export function measureSetupHeap(books = 10_000): SetupHeapResult[] {
  const change: LevelChange = { side: 'bid', price: 10_000, size: 5 };
  const updates: FeedUpdate[] = Array.from({ length: books }, (_, k) => ({
    kind: 'delta', exchange: 'BENCH', symbol: `SETUP${k}`, format: { priceDecimals: 2, sizeDecimals: 0 },
    exchSeq: 1, exchTsUs: 0, recvMonoNs: 0, recvWallUs: 0, atUs: 0, changes: [change],
  }));
  const pre = new PublishEngine({ epoch: 1, dataSuffix: 'orderbook', snapshotDepth: 50_000 });
  const payloads = updates.map((u) => pre.apply(u)!.payload.slice());
  const retained = (make: () => unknown): { heap: number; buffers: number } => {
    fullGc();
    const before = process.memoryUsage();
    const keep = make();
    fullGc();
    const after = process.memoryUsage();
    if (keep === undefined) throw new Error('nothing kept');
    return { heap: (after.heapUsed - before.heapUsed) / books, buffers: (after.arrayBuffers - before.arrayBuffers) / books };
  };
  const engine = retained(() => {
    const e = new PublishEngine({ epoch: 1, dataSuffix: 'orderbook', snapshotDepth: 50_000, transientPayloads: true });
    for (const u of updates) e.apply(u);
    return e;
  });
  const mirror = retained(() => {
    const m = new MirrorSet();
    for (const p of payloads) m.handleBytes(p);
    if (m.size !== books) throw new Error(`set-up benchmark made ${m.size} mirrors, not ${books}`);
    return m;
  });
  const row = (path: string, r: { heap: number; buffers: number }): SetupHeapResult => ({ path, books, heap_bytes_per_book: Math.round(r.heap), array_buffer_bytes_per_book: Math.round(r.buffers) });
  return [row('ingest: a new book in the PublishEngine', engine), row('subscriber: a new mirror in the MirrorSet', mirror)];
}
