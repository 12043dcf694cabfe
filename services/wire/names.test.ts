import { describe, expect, it } from 'vitest';
import { BookNameTable, NameTable } from './names.js';

const utf8 = new TextEncoder();

describe('NameTable', () => {
  it('returns the identical string for every symbol of a 10,000-symbol market once seen (no per-message decode)', () => {
    const t = new NameTable();
    const names = Array.from({ length: 10_000 }, (_, k) => utf8.encode(`SYM${k}`));
    const first = names.map((b) => t.lookup(b, 0, b.length));
    // A second pass must hit for every name: the old direct-mapped 4,096-slot cache missed on
    // collisions and handed back fresh strings.
    let misses = 0;
    for (let k = 0; k < names.length; k++) {
      const again = t.lookup(names[k]!.slice(), 0, names[k]!.length);
      expect(again).toBe(`SYM${k}`);
      if (t.size !== 10_000) misses++;
    }
    expect(first[9_999]).toBe('SYM9999');
    expect(t.size).toBe(10_000);
    expect(misses).toBe(0);
  });

  it('looks names up inside a larger buffer and rejects invalid UTF-8', () => {
    const t = new NameTable(16);
    const buf = new Uint8Array([0, ...utf8.encode('NYSE'), ...utf8.encode('BRK.B'), 0xff, 0xfe]);
    expect(t.lookup(buf, 1, 4)).toBe('NYSE');
    expect(t.lookup(buf, 5, 5)).toBe('BRK.B');
    expect(t.lookup(buf, 10, 2)).toBeUndefined();
    expect(t.lookup(buf, 0, 0)).toBe('');
  });

  it('stays bounded: past maxEntries it starts over instead of growing', () => {
    const t = new NameTable(16, 100);
    for (let k = 0; k < 1_000; k++) {
      const b = utf8.encode(`X${k}`);
      expect(t.lookup(b, 0, b.length)).toBe(`X${k}`);
      expect(t.size).toBeLessThanOrEqual(100);
    }
  });
});

describe('BookNameTable', () => {
  const utf8 = new TextEncoder();
  const at = (ex: string, sym: string) => {
    const b = new Uint8Array([9, 9, ...utf8.encode(ex), ...utf8.encode(sym), 9]);
    return [b, 2, utf8.encode(ex).length, utf8.encode(sym).length] as const;
  };

  it('interns each (exchange, symbol) pair once, through growth, and keeps the split apart', () => {
    const t = new BookNameTable(16);
    const first = Array.from({ length: 5000 }, (_, i) => t.lookup(...at('NYSE', `S${i}`))!);
    expect(t.size).toBe(5000);
    for (let i = 0; i < 5000; i++) {
      const e = t.lookup(...at('NYSE', `S${i}`))!;
      expect(e).toBe(first[i]);
      expect([e.exchange, e.symbol]).toEqual(['NYSE', `S${i}`]);
    }
    const ab = t.lookup(...at('AB', 'C'))!;
    const a = t.lookup(...at('A', 'BC'))!;
    expect(ab).not.toBe(a);
    expect([a.exchange, a.symbol]).toEqual(['A', 'BC']);
    // Exchange strings are shared between books.
    expect(first[0]!.exchange).toBe(first[1]!.exchange);
  });

  it('refuses names that are not UTF-8 and starts over past its bound', () => {
    const t = new BookNameTable(16, 100);
    expect(t.lookup(new Uint8Array([0x41, 0xff]), 0, 1, 1)).toBeUndefined();
    for (let i = 0; i < 250; i++) expect(t.lookup(...at('X', `S${i}`))!.symbol).toBe(`S${i}`);
    expect(t.size).toBeLessThanOrEqual(100);
  });
});
