import { describe, expect, it } from 'vitest';
import { assign, ownedBy, ownerOf } from './rendezvous.js';

const keys = Array.from({ length: 4000 }, (_, i) => `NYSE\u0000SYM${i}`);
const members = (n: number) => Array.from({ length: n }, (_, i) => `member-${i}`);

describe('rendezvous hashing', () => {
  it('is deterministic and independent of member order', () => {
    const a = assign(keys, ['a', 'b', 'c']);
    const b = assign(keys, ['c', 'a', 'b']);
    expect([...a]).toEqual([...b]);
    expect(ownerOf('x', ['a'])).toBe('a');
    expect(ownerOf('x', [])).toBeUndefined();
  });

  it('spreads keys evenly', () => {
    for (const n of [2, 4, 8]) {
      const counts = new Map<string, number>();
      for (const owner of assign(keys, members(n)).values()) counts.set(owner, (counts.get(owner) ?? 0) + 1);
      expect(counts.size).toBe(n);
      for (const c of counts.values()) expect(Math.abs(c - keys.length / n)).toBeLessThan((keys.length / n) * 0.15);
    }
  });

  it('moves about 1/N of the keys when a member joins, and only to the newcomer', () => {
    for (const n of [2, 3, 4, 8]) {
      const before = assign(keys, members(n));
      const after = assign(keys, members(n + 1));
      const moved = keys.filter((k) => before.get(k) !== after.get(k));
      for (const k of moved) expect(after.get(k)).toBe(`member-${n}`);
      expect(Math.abs(moved.length / keys.length - 1 / (n + 1))).toBeLessThan(0.04);
    }
  });

  it('moves only the leaver\'s keys when a member leaves', () => {
    const before = assign(keys, members(4));
    const after = assign(keys, members(4).filter((m) => m !== 'member-2'));
    for (const k of keys) if (before.get(k) !== 'member-2') expect(after.get(k)).toBe(before.get(k));
  });

  it('ownedBy partitions the keys: every key exactly once', () => {
    const ms = members(5);
    const sets = ms.map((m) => ownedBy(m, keys, ms));
    expect(sets.reduce((n, s) => n + s.size, 0)).toBe(keys.length);
    expect(ownedBy('stranger', keys, ms).size).toBe(0);
  });
});
