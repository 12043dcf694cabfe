/**
 * UTF-8 name interning for the decoder. Every message carries its exchange and symbol as bytes;
 * decoding them to a fresh string per message would allocate on the hot path, and fresh strings
 * also make Map lookups rehash. The table returns the same string for the same bytes, allocating
 * only the first time a name is seen.
 *
 * An open-addressing hash table (linear probing, at most half full) that grows with the names it
 * sees, so a whole market (10,000+ symbols) stays resident. The earlier direct-mapped 4,096-slot
 * cache missed on every collision, which at thousands of symbols meant a slice, a UTF-8 decode
 * and a fresh string per message. It is bounded (`maxEntries`): past it the table starts over,
 * so a peer sending ever-new names cannot grow it without limit.
 */

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

interface Entry {
  hash: number;
  bytes: Uint8Array;
  text: string;
}

export class NameTable {
  private slots: Array<Entry | undefined>;
  private mask: number;
  private count = 0;
  private readonly maxEntries: number;

  /** `slots` is the initial size (rounded up to a power of two); the table doubles as it fills. */
  constructor(slots = 4096, maxEntries = 1 << 18) {
    let n = 16;
    while (n < slots) n <<= 1;
    this.slots = new Array<Entry | undefined>(n).fill(undefined);
    this.mask = n - 1;
    this.maxEntries = maxEntries;
  }

  get size(): number {
    return this.count;
  }

  /** The string for b[from, from+len), or undefined when the bytes are not valid UTF-8. */
  lookup(b: Uint8Array, from: number, len: number): string | undefined {
    if (len === 0) return '';
    // FNV-1a: cheap, and good enough to spread short ticker names.
    let h = 0x811c9dc5;
    for (let i = 0; i < len; i++) h = Math.imul(h ^ b[from + i]!, 0x01000193);
    h = (h ^ (h >>> 16)) >>> 0;
    const slots = this.slots;
    const mask = this.mask;
    let i = h & mask;
    for (let e = slots[i]; e !== undefined; e = slots[i]) {
      if (e.hash === h && e.bytes.length === len && sameBytes(e.bytes, b, from, len)) return e.text;
      i = (i + 1) & mask;
    }
    const bytes = b.slice(from, from + len);
    let text: string;
    try {
      text = strictUtf8.decode(bytes);
    } catch {
      return undefined;
    }
    this.insert({ hash: h, bytes, text });
    return text;
  }

  private insert(e: Entry): void {
    if (this.count >= this.maxEntries) this.reset(this.slots.length);
    else if ((this.count + 1) * 2 > this.slots.length) this.rehash(this.slots.length * 2);
    this.place(e);
    this.count++;
  }

  private place(e: Entry): void {
    let i = e.hash & this.mask;
    while (this.slots[i] !== undefined) i = (i + 1) & this.mask;
    this.slots[i] = e;
  }

  private rehash(size: number): void {
    const old = this.slots;
    this.reset(size);
    for (const e of old) if (e !== undefined) { this.place(e); this.count++; }
  }

  private reset(size: number): void {
    this.slots = new Array<Entry | undefined>(size).fill(undefined);
    this.mask = size - 1;
    this.count = 0;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array, from: number, len: number): boolean {
  for (let i = 0; i < len; i++) if (a[i] !== b[from + i]) return false;
  return true;
}

/**
 * A book's names as one entry: what the decoder looks up for every book message (exchange and
 * symbol together, one hash and one probe instead of two), with a slot its owner may use to
 * remember what it keeps for that book (a mirror set keeps the mirror there: no further lookup).
 */
export interface BookName {
  readonly exchange: string;
  readonly symbol: string;
  /** Whose `ref` this is (a table shared by several owners hands it to the last one to claim it). */
  owner: unknown;
  /** The owner's generation when it set `ref` (an owner bumps its generation to void every ref). */
  gen: number;
  ref: unknown;
}

/**
 * Interns (exchange bytes, symbol bytes) pairs. Built for a whole market in a cold cache: the
 * probe reads one slot of an Int32Array, one record of another (hash, offset, lengths) and the
 * name bytes in one shared byte arena, before it touches the entry object it returns. Bounded
 * like NameTable (`maxEntries`, then it starts over; entries handed out stay valid objects).
 */
export class BookNameTable {
  private slots: Int32Array;
  private mask: number;
  /** Per entry: hash, offset in `arena`, exchange length, symbol length. */
  private meta: Int32Array;
  private entries: BookName[] = [];
  private arena: Uint8Array;
  private arenaUsed = 0;
  private readonly exchanges = new NameTable(16, 1024);

  constructor(slots = 1024, private readonly maxEntries = 1 << 18) {
    let n = 16;
    while (n < slots) n <<= 1;
    this.slots = new Int32Array(n);
    this.mask = n - 1;
    this.meta = new Int32Array((n >> 1) * 4);
    this.arena = new Uint8Array(n * 8);
  }

  get size(): number {
    return this.entries.length;
  }

  /**
   * The entry for the exchange at b[from, from+exLen) and the symbol right after it, or
   * undefined when either is not valid UTF-8.
   */
  lookup(b: Uint8Array, from: number, exLen: number, symLen: number): BookName | undefined {
    const len = exLen + symLen;
    let h = Math.imul(0x811c9dc5 ^ exLen, 0x01000193);
    for (let i = 0; i < len; i++) h = Math.imul(h ^ b[from + i]!, 0x01000193);
    h ^= h >>> 16;
    const slots = this.slots;
    const meta = this.meta;
    const arena = this.arena;
    const mask = this.mask;
    let i = h & mask;
    for (let s = slots[i]!; s !== 0; s = slots[i]!) {
      const r = (s - 1) << 2;
      if (meta[r] === h && meta[r + 2] === exLen && meta[r + 3] === symLen) {
        let off = meta[r + 1]!;
        let k = 0;
        while (k < len && arena[off] === b[from + k]) { k++; off++; }
        if (k === len) return this.entries[s - 1];
      }
      i = (i + 1) & mask;
    }
    return this.insert(b, from, exLen, symLen, h);
  }

  private insert(b: Uint8Array, from: number, exLen: number, symLen: number, h: number): BookName | undefined {
    const exchange = this.exchanges.lookup(b, from, exLen);
    if (exchange === undefined) return undefined;
    let symbol: string;
    try {
      symbol = strictUtf8.decode(b.subarray(from + exLen, from + exLen + symLen));
    } catch {
      return undefined;
    }
    if (this.entries.length >= this.maxEntries) this.reset(this.slots.length);
    else if ((this.entries.length + 1) * 2 > this.slots.length) this.grow();
    const len = exLen + symLen;
    if (this.arenaUsed + len > this.arena.length) {
      const next = new Uint8Array(Math.max(this.arena.length * 2, this.arenaUsed + len));
      next.set(this.arena.subarray(0, this.arenaUsed));
      this.arena = next;
    }
    this.arena.set(b.subarray(from, from + len), this.arenaUsed);
    const idx = this.entries.length;
    const r = idx << 2;
    this.meta[r] = h;
    this.meta[r + 1] = this.arenaUsed;
    this.meta[r + 2] = exLen;
    this.meta[r + 3] = symLen;
    this.arenaUsed += len;
    const e: BookName = { exchange, symbol, owner: undefined, gen: 0, ref: undefined };
    this.entries.push(e);
    this.place(h, idx + 1);
    return e;
  }

  private place(h: number, s: number): void {
    let i = h & this.mask;
    while (this.slots[i] !== 0) i = (i + 1) & this.mask;
    this.slots[i] = s;
  }

  private grow(): void {
    const n = this.slots.length * 2;
    this.slots = new Int32Array(n);
    this.mask = n - 1;
    const meta = new Int32Array((n >> 1) * 4);
    meta.set(this.meta);
    this.meta = meta;
    for (let idx = 0; idx < this.entries.length; idx++) this.place(meta[idx << 2]!, idx + 1);
  }

  private reset(n: number): void {
    this.slots = new Int32Array(n);
    this.mask = n - 1;
    this.meta = new Int32Array((n >> 1) * 4);
    this.entries = [];
    this.arenaUsed = 0;
  }
}
