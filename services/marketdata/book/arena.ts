/**
 * Where books keep their levels: regions of doubles carved from shared 1 MiB chunks, in
 * power-of-two size classes, with a free list per class.
 *
 * Why: a book is a handful of small arrays (two ladders of keys and sizes, touched-price sets).
 * Allocated one by one, each array over 64 bytes gets its own off-heap backing store, registered
 * with the GC as external memory; at a whole market (10,000 books appearing in the first second)
 * that made a book's first update cost 12-26 µs, mostly allocation and the garbage collections
 * the external memory pressure triggers. Views on shared chunks removed the backing stores, but
 * each view is still a ~96-byte heap object that every young-generation collection copies: four
 * to eight per book, 40-80% of what a new subscriber mirror put on the heap. So a region is not
 * an object at all: it is a number, its address, and its owner reads and writes the chunk the
 * address names at the address's offset. A new book puts no level storage on the heap.
 *
 * A class's free list takes back a region its owner gave up (a ladder that grew, a book
 * released) and hands it out again, so growth does not strand chunk space. A region that is
 * dropped without `release` (a book simply forgotten) is not lost for good: owners hold their
 * chunk itself (the array they read), and the arena holds chunks other than the one it is
 * carving only weakly, so a chunk goes back to the GC once no owner of any of its regions is
 * left (the same bound as before: at most a chunk per forgotten book's neighbours, never more).
 * Chunk indexes are never reused, so a stale free-list address of a collected chunk is simply
 * skipped, never handed out inside another chunk.
 *
 * Not shared between threads: each worker thread has its own (module state is per thread).
 */

/** Smallest class (doubles): 64 bytes. */
const MIN_CLASS = 8;
/** Largest class served from chunks (doubles, 8 KiB); bigger regions get a chunk of their own. */
const MAX_CLASS = 1024;
/** Doubles per shared chunk; an address is chunk index * CHUNK_DOUBLES + offset. */
export const CHUNK_DOUBLES = 128 * 1024;

/** log2 of a power-of-two class, as an integer. */
function classIndex(size: number): number {
  return 31 - Math.clz32(size);
}

export class F64Arena {
  /** Chunks by index, held weakly: their owners (ladders, sets) keep them alive. */
  private readonly chunkRefs = new Map<number, WeakRef<Float64Array>>();
  /** The shared chunk being carved (held strongly: nobody may own a region of it yet), its index and next free double. */
  private carving: Float64Array | undefined;
  private carvingIndex = -1;
  private used = CHUNK_DOUBLES;
  private nextIndex = 0;
  /** Free region addresses per class, by log2(class) (index 3 = 8 doubles ... 10 = 1024). */
  private readonly free: number[][] = Array.from({ length: 11 }, () => []);
  /** Shared chunks allocated (for tests and memory reports). */
  chunks = 0;

  /** The size class `n` doubles are served from (a power of two), or n itself when too large for one. */
  static classOf(n: number): number {
    if (n <= MIN_CLASS) return MIN_CLASS;
    if (n > MAX_CLASS) return n;
    // Integer arithmetic on purpose: `2 ** k` is a double to V8, and a double stored in a
    // ladder's offset fields turns them into boxed heap numbers for every ladder.
    return 1 << (32 - Math.clz32(n - 1));
  }

  /**
   * The address of a region of exactly `classOf(n)` doubles. Its contents are unspecified (a
   * reused region keeps what its last owner wrote): callers track what they filled, and take
   * the region's chunk (`chunkOf`) at once, in the same turn, which is what keeps it alive.
   */
  alloc(n: number): number {
    const size = F64Arena.classOf(n);
    if (size > MAX_CLASS) return this.newChunk(size, false);
    const list = this.free[classIndex(size)]!;
    for (let reused = list.pop(); reused !== undefined; reused = list.pop()) {
      // A region of a chunk the GC took back (every owner in it was forgotten) is gone with it.
      if (this.aliveChunk(reused) !== undefined) return reused;
    }
    if (this.used + size > CHUNK_DOUBLES) {
      this.newChunk(CHUNK_DOUBLES, true);
      this.used = 0;
      this.chunks++;
    }
    const address = this.carvingIndex * CHUNK_DOUBLES + this.used;
    this.used += size;
    return address;
  }

  /** The chunk holding the region at `address`, just allocated (read and write it at `offsetOf(address)`). */
  chunkOf(address: number): Float64Array {
    const chunk = this.aliveChunk(address);
    if (chunk === undefined) throw new Error(`arena region ${address} belongs to a collected chunk: take a region's chunk when allocating it`);
    return chunk;
  }

  private aliveChunk(address: number): Float64Array | undefined {
    const index = (address / CHUNK_DOUBLES) | 0;
    return index === this.carvingIndex ? this.carving : this.chunkRefs.get(index)?.deref();
  }

  offsetOf(address: number): number {
    return address % CHUNK_DOUBLES;
  }

  /** Give back the region of `n` doubles (as asked of `alloc`) at `address`: the caller must not touch it again. */
  release(address: number, n: number): void {
    const size = F64Arena.classOf(n);
    if (size > MAX_CLASS) {
      this.chunkRefs.delete((address / CHUNK_DOUBLES) | 0);
      return;
    }
    this.free[classIndex(size)]!.push(address);
  }

  /** Free regions held, per class size (tests). */
  freeCount(size: number): number {
    return this.free[classIndex(size)]?.length ?? 0;
  }

  /** Chunks still alive (tests and memory reports). */
  liveChunks(): number {
    let n = 0;
    for (const ref of this.chunkRefs.values()) if (ref.deref() !== undefined) n++;
    return n;
  }

  /** A new chunk of `doubles`: the one to carve next (`shared`), or an oversized region's own. Returns its address. */
  private newChunk(doubles: number, shared: boolean): number {
    const chunk = new Float64Array(doubles);
    const index = this.nextIndex++;
    this.chunkRefs.set(index, new WeakRef(chunk));
    if (shared) {
      this.carving = chunk;
      this.carvingIndex = index;
    }
    // Forget the entries of chunks the GC took back, now and then (the map would only grow).
    if ((index & 63) === 63) for (const [i, ref] of this.chunkRefs) if (ref.deref() === undefined) this.chunkRefs.delete(i);
    return index * CHUNK_DOUBLES;
  }
}

/** This thread's arena. */
export const levelArena = new F64Arena();
