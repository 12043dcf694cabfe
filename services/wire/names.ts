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
