/**
 * Where books keep their levels: Float64Array views carved from shared 1 MiB chunks, in
 * power-of-two size classes, with a free list per class.
 *
 * Why: a book is a handful of small typed arrays (two ladders of keys and sizes, touched-price
 * sets). Allocated one by one, each array over 64 bytes gets its own off-heap backing store,
 * registered with the GC as external memory; at a whole market (10,000 books appearing in the
 * first second) that made a book's first update cost 12-26 µs, mostly allocation and the
 * garbage collections the external memory pressure triggers. A view on a shared chunk is one
 * small heap object, and the arrays of one book sit next to each other (fewer cold cache lines
 * when an update touches a cold book).
 *
 * A class's free list takes back an array that its owner gave up (a ladder that grew, a book
 * released), and hands the same view out again, so growth does not strand chunk space. An
 * array that is dropped without `release` (a book simply forgotten) stays in its chunk until
 * every view of that chunk is gone: at most the book's own size, never more.
 *
 * Not shared between threads: each worker thread has its own (module state is per thread).
 */

/** Smallest class (doubles): 64 bytes. */
const MIN_CLASS = 8;
/** Largest class served from chunks (doubles, 8 KiB); bigger arrays get their own memory. */
const MAX_CLASS = 1024;
const CHUNK_DOUBLES = 128 * 1024;

export class F64Arena {
  private chunk: ArrayBuffer | undefined;
  /** Next free double in `chunk`. */
  private used = CHUNK_DOUBLES;
  /** Free views per class, by log2(class) (index 3 = 8 doubles ... 10 = 1024). */
  private readonly free: Float64Array[][] = Array.from({ length: 11 }, () => []);
  /** Chunks allocated (for tests and memory reports). */
  chunks = 0;

  /** The size class `n` doubles are served from (a power of two), or n itself when too large for one. */
  static classOf(n: number): number {
    if (n <= MIN_CLASS) return MIN_CLASS;
    if (n > MAX_CLASS) return n;
    return 2 ** Math.ceil(Math.log2(n));
  }

  /**
   * An array of at least `n` doubles (exactly `classOf(n)`). Its contents are unspecified (a
   * reused view keeps what its last owner wrote): callers track what they filled.
   */
  alloc(n: number): Float64Array {
    const size = F64Arena.classOf(n);
    if (size > MAX_CLASS) return new Float64Array(size);
    const list = this.free[Math.log2(size)]!;
    const reused = list.pop();
    if (reused !== undefined) return reused;
    if (this.used + size > CHUNK_DOUBLES) {
      this.chunk = new ArrayBuffer(CHUNK_DOUBLES * 8);
      this.used = 0;
      this.chunks++;
    }
    const v = new Float64Array(this.chunk!, this.used * 8, size);
    this.used += size;
    return v;
  }

  /** Give `a` back: the caller must not touch it again. Arrays of no class are left to the GC. */
  release(a: Float64Array): void {
    const n = a.length;
    if (n < MIN_CLASS || n > MAX_CLASS || (n & (n - 1)) !== 0) return;
    this.free[Math.log2(n)]!.push(a);
  }

  /** Free views held, per class size (tests). */
  freeCount(size: number): number {
    return this.free[Math.log2(size)]?.length ?? 0;
  }
}

/** This thread's arena. */
export const levelArena = new F64Arena();
