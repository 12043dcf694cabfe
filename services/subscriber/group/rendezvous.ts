/**
 * Rendezvous (highest-random-weight) hashing: the owner of a key is the member whose hash of
 * (member, key) is highest. Every member computes the same owner from the same member list with no
 * coordination, and when a member joins or leaves only the keys it wins or held move (about 1/N of
 * them), which is what keeps a rebalance cheap: few books hand over, each with one snapshot.
 * Pure: no I/O, no clock.
 */

/** 53-bit FNV-1a style mix over a string: stable across processes, hosts and Node versions. */
function hash53(s: string): number {
  let h1 = 0xdeadbeef ^ s.length;
  let h2 = 0x41c6ce57 ^ s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** Weight of `member` for `key`; ties (vanishingly rare) are broken by member id. */
export function weight(member: string, key: string): number {
  return hash53(`${member}\u0000${key}`);
}

/** The owner of `key` among `members` (undefined when there are none). */
export function ownerOf(key: string, members: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestW = -1;
  for (const m of members) {
    const w = weight(m, key);
    if (w > bestW || (w === bestW && best !== undefined && m > best)) {
      best = m;
      bestW = w;
    }
  }
  return best;
}

/** key -> owner for every key. */
export function assign(keys: Iterable<string>, members: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  if (members.length === 0) return out;
  for (const k of keys) out.set(k, ownerOf(k, members)!);
  return out;
}

/** The keys `member` owns. */
export function ownedBy(member: string, keys: Iterable<string>, members: readonly string[]): Set<string> {
  const out = new Set<string>();
  if (!members.includes(member)) return out;
  for (const k of keys) if (ownerOf(k, members) === member) out.add(k);
  return out;
}
