/** Minimal IPv4 CIDR arithmetic for config validation (no I/O, no dependencies). */
export interface Cidr { base: number; prefix: number; size: number }

export function parseIpv4(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    n = n * 256 + v;
  }
  return n;
}

export function formatIpv4(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

export function parseCidr(cidr: string): Cidr | undefined {
  const [ip, len, extra] = cidr.split('/');
  if (ip === undefined || len === undefined || extra !== undefined || !/^\d{1,2}$/.test(len)) return undefined;
  const base = parseIpv4(ip);
  const prefix = Number(len);
  if (base === undefined || prefix > 32) return undefined;
  const size = 2 ** (32 - prefix);
  if (base % size !== 0) return undefined; // host bits set: almost always a typo
  return { base, prefix, size };
}

export function cidrContains(outer: string, inner: string): boolean {
  const o = parseCidr(outer);
  const i = parseCidr(inner);
  if (!o || !i) return false;
  return i.base >= o.base && i.base + i.size <= o.base + o.size;
}

export function cidrsOverlap(a: string, b: string): boolean {
  const x = parseCidr(a);
  const y = parseCidr(b);
  if (!x || !y) return false;
  return x.base < y.base + y.size && y.base < x.base + x.size;
}

/** The n-th host address of a subnet (AWS reserves .0-.3 and the last). */
export function hostInCidr(cidr: string, n: number): string {
  const c = parseCidr(cidr);
  if (!c) throw new Error(`not a CIDR: ${cidr}`);
  if (n < 4 || n >= c.size - 1) throw new Error(`host ${n} is not usable in ${cidr}`);
  return formatIpv4(c.base + n);
}
