/**
 * UTF-8 name interning for the decoder. Every message carries its exchange and symbol as bytes;
 * decoding them to a fresh string per message would allocate on the hot path, and fresh strings
 * also make Map lookups rehash. A small direct-mapped cache returns the same string for the same
 * bytes, allocating only on a miss.
 */

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

interface Entry {
  bytes: Uint8Array;
  text: string;
}

export class NameTable {
  private readonly slots: Array<Entry | undefined>;
  private readonly mask: number;

  /** `slots` is rounded up to a power of two. */
  constructor(slots = 4096) {
    let n = 1;
    while (n < slots) n <<= 1;
    this.slots = new Array<Entry | undefined>(n).fill(undefined);
    this.mask = n - 1;
  }

  /** The string for b[from, from+len), or undefined when the bytes are not valid UTF-8. */
  lookup(b: Uint8Array, from: number, len: number): string | undefined {
    if (len === 0) return '';
    // FNV-1a: cheap, and good enough to spread short ticker names.
    let h = 0x811c9dc5;
    for (let i = 0; i < len; i++) h = Math.imul(h ^ b[from + i]!, 0x01000193);
    const slot = (h ^ (h >>> 16)) & this.mask;
    const e = this.slots[slot];
    if (e !== undefined && e.bytes.length === len && sameBytes(e.bytes, b, from, len)) return e.text;
    const bytes = b.slice(from, from + len);
    let text: string;
    try {
      text = strictUtf8.decode(bytes);
    } catch {
      return undefined;
    }
    this.slots[slot] = { bytes, text };
    return text;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array, from: number, len: number): boolean {
  for (let i = 0; i < len; i++) if (a[i] !== b[from + i]) return false;
  return true;
}
