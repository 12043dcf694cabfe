/**
 * The tuning files: every sysctl key exists on this Linux kernel and every value parses the way
 * the kernel reads it; every setting carries its reason; THP and chrony files are well-formed.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { AMI_DIR } from './testing.js';

interface Setting { key: string; value: string; comment: string; line: number }

function parseSysctlConf(text: string): Setting[] {
  const lines = text.split('\n');
  const out: Setting[] = [];
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const m = /^([a-z0-9_.]+)\s*=\s*(.+)$/.exec(line);
    if (!m) throw new Error(`90-dsm.conf:${i + 1}: not "key = value": ${raw}`);
    const prev = lines[i - 1]?.trim() ?? '';
    out.push({ key: m[1]!, value: m[2]!.trim(), comment: prev.startsWith('#') ? prev.slice(1).trim() : '', line: i + 1 });
  });
  return out;
}

const settings = parseSysctlConf(readFileSync(path.join(AMI_DIR, 'files/sysctl.d/90-dsm.conf'), 'utf8'));
const procPath = (key: string) => path.join('/proc/sys', ...key.split('.'));
const value = (key: string) => settings.find((s) => s.key === key)?.value;
const ints = (v: string) => v.split(/\s+/).map((x) => (/^-?\d+$/.test(x) ? Number(x) : Number.NaN));

describe('sysctl.d/90-dsm.conf', () => {
  it('sets everything the low-latency profile needs, once each', () => {
    const required = [
      'net.core.rmem_max', 'net.core.wmem_max', 'net.core.rmem_default', 'net.core.wmem_default',
      'net.ipv4.tcp_rmem', 'net.ipv4.tcp_wmem', 'net.core.netdev_max_backlog', 'net.core.somaxconn',
      'net.core.busy_read', 'net.core.busy_poll', 'net.core.default_qdisc', 'net.ipv4.tcp_fastopen',
      'kernel.numa_balancing', 'vm.swappiness',
    ];
    const keys = settings.map((s) => s.key);
    expect(required.filter((k) => !keys.includes(k))).toEqual([]);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('says why for every value, on the line above it', () => {
    const bare = settings.filter((s) => s.comment.length < 20).map((s) => `line ${s.line}: ${s.key}`);
    expect(bare).toEqual([]);
  });

  it('names only keys this kernel has under /proc/sys', () => {
    // If this fails in a container, the message lists exactly the keys the kernel lacks.
    const missing = settings.filter((s) => !existsSync(procPath(s.key))).map((s) => `${s.key} (${procPath(s.key)})`);
    expect(missing).toEqual([]);
  });

  it('gives each key a value of the shape the kernel currently holds', () => {
    for (const s of settings) {
      const current = readFileSync(procPath(s.key), 'utf8').trim();
      if (/^-?\d+(\s+-?\d+)*$/.test(current)) {
        const got = ints(s.value);
        expect(got.every(Number.isInteger), `${s.key} = ${s.value}`).toBe(true);
        expect(got.length, `${s.key}: the kernel holds ${current.split(/\s+/).length} numbers`).toBe(current.split(/\s+/).length);
        expect(got.every((n) => n >= 0), `${s.key} = ${s.value}`).toBe(true);
      } else {
        expect(s.value, s.key).toMatch(/^[a-z_]+$/);
      }
    }
  });

  it('keeps the values coherent with each other and within the kernel ranges', () => {
    for (const key of ['net.ipv4.tcp_rmem', 'net.ipv4.tcp_wmem']) {
      const [min, def, max] = ints(value(key)!);
      expect(min! <= def! && def! <= max!, `${key}: min <= default <= max`).toBe(true);
    }
    expect(ints(value('net.core.rmem_default')!)[0]! <= ints(value('net.core.rmem_max')!)[0]!).toBe(true);
    expect(ints(value('net.core.wmem_default')!)[0]! <= ints(value('net.core.wmem_max')!)[0]!).toBe(true);
    expect(value('kernel.numa_balancing')).toBe('0');
    expect(Number(value('vm.swappiness'))).toBeLessThanOrEqual(200);
    expect(Number(value('net.core.somaxconn'))).toBeLessThanOrEqual(2 ** 31 - 1);
    expect(['fq', 'fq_codel', 'pfifo_fast', 'noqueue', 'cake', 'sfq']).toContain(value('net.core.default_qdisc'));
    // tcp_fastopen is a bit mask: 1 client, 2 server.
    expect(Number(value('net.ipv4.tcp_fastopen')) & 3).toBe(3);
  });
});

describe('THP and time files', () => {
  const thp = readFileSync(path.join(AMI_DIR, 'files/tmpfiles.d/dsm-thp.conf'), 'utf8');

  it('sets transparent huge pages to never through tmpfiles.d "w" lines on real sysfs paths', () => {
    const lines = thp.split('\n').filter((l) => l.trim() && !l.startsWith('#'));
    expect(lines).toEqual([
      'w /sys/kernel/mm/transparent_hugepage/enabled - - - - never',
      'w /sys/kernel/mm/transparent_hugepage/defrag - - - - never',
    ]);
    for (const l of lines) {
      const file = l.split(/\s+/)[1]!;
      if (existsSync('/sys/kernel/mm/transparent_hugepage')) {
        expect(existsSync(file), file).toBe(true);
        expect(readFileSync(file, 'utf8'), `${file} offers "never"`).toMatch(/\bnever\b/);
      }
    }
  });

  it('points chrony at Amazon Time Sync on IPv4 and IPv6 and reads the boot-time PHC drop-in', () => {
    const chrony = readFileSync(path.join(AMI_DIR, 'files/chrony/chrony.conf'), 'utf8');
    expect(chrony).toMatch(/^server 169\.254\.169\.123 iburst minpoll 4 maxpoll 4$/m);
    expect(chrony).toMatch(/^server fd00:ec2::123 iburst minpoll 4 maxpoll 4$/m);
    expect(chrony).toMatch(/^confdir \/etc\/chrony\.d$/m);
    // No public pools: an instance in a private subnet reaches only the link-local service.
    expect(chrony).not.toMatch(/^(pool|server) (?!169\.254\.169\.123|fd00:ec2::123)/m);
    // Every directive has its reason above it (ignoring the header block).
    const body = chrony.split('\n').slice(chrony.split('\n').findIndex((l) => l.startsWith('server')) - 1);
    body.forEach((l, i) => {
      if (l && !l.startsWith('#')) expect(body[i - 1] ?? '', `reason for "${l}"`).toMatch(/^#/);
    });
  });
});
