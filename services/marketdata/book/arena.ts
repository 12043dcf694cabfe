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
 * dropped without `release` (a book simply forgotten) stays in its chunk for good: chunks are
 * never freed, so owners of short-lived books release them (mirror-set.ts, publish-engine.ts).
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
  /** Chunks by index: shared ones, and oversized regions' own (undefined once released). */
  private readonly chunkList: Array<Float64Array | undefined> = [];
  /** Indexes of released oversized chunks, reused before the list grows. */
  private readonly freeIndexes: number[] = [];
  /** The shared chunk being carved, and its next free double. */
  private carving = -1;
  private used = CHUNK_DOUBLES;
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
   * reused region keeps what its last owner wrote): callers track what they filled.
   */
  alloc(n: number): number {
    const size = F64Arena.classOf(n);
    if (size > MAX_CLASS) return this.ownChunk(size);
    const reused = this.free[classIndex(size)]!.pop();
    if (reused !== undefined) return reused;
    if (this.used + size > CHUNK_DOUBLES) {
      this.carving = this.chunkList.length;
      this.chunkList.push(new Float64Array(CHUNK_DOUBLES));
      this.used = 0;
      this.chunks++;
    }
    const address = this.carving * CHUNK_DOUBLES + this.used;
    this.used += size;
    return address;
  }

  /** The chunk holding the region at `address` (read and write it at `offsetOf(address)`). */
  chunkOf(address: number): Float64Array {
    return this.chunkList[(address / CHUNK_DOUBLES) | 0]!;
  }

  offsetOf(address: number): number {
    return address % CHUNK_DOUBLES;
  }

  /** Give back the region of `n` doubles (as asked of `alloc`) at `address`: the caller must not touch it again. */
  release(address: number, n: number): void {
    const size = F64Arena.classOf(n);
    if (size > MAX_CLASS) {
      const index = (address / CHUNK_DOUBLES) | 0;
      this.chunkList[index] = undefined;
      this.freeIndexes.push(index);
      return;
    }
    this.free[classIndex(size)]!.push(address);
  }

  /** Free regions held, per class size (tests). */
  freeCount(size: number): number {
    return this.free[classIndex(size)]?.length ?? 0;
  }

  private ownChunk(size: number): number {
    const chunk = new Float64Array(size);
    const index = this.freeIndexes.pop();
    if (index !== undefined) {
      this.chunkList[index] = chunk;
      return index * CHUNK_DOUBLES;
    }
    this.chunkList.push(chunk);
    return (this.chunkList.length - 1) * CHUNK_DOUBLES;
  }
}

/** This thread's arena. */
export const levelArena = new F64Arena();
