/**
 * Which process owns which socket, from Linux /proc: /proc/net/{tcp,tcp6,udp,udp6} list every
 * socket with its inode, /proc/<pid>/fd links name the inodes a process holds. On loopback every
 * twin host is 127.0.0.1, so this (not the address) is how a connection is traced to its host.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

export interface SocketEntry {
  proto: 'tcp' | 'udp';
  localIp: string;
  localPort: number;
  remoteIp: string;
  remotePort: number;
  /** TCP: 'LISTEN', 'ESTABLISHED', ...; UDP: 'UDP'. */
  state: string;
  inode: number;
}

const TCP_STATES: Record<string, string> = { '01': 'ESTABLISHED', '02': 'SYN_SENT', '03': 'SYN_RECV', '06': 'TIME_WAIT', '08': 'CLOSE_WAIT', '0A': 'LISTEN' };

/** /proc/net hex address (little-endian words) -> dotted IPv4, or IPv6 text (IPv4-mapped shown as IPv4). */
export function decodeAddress(hex: string): string {
  if (hex.length === 8) return [0, 2, 4, 6].map((i) => parseInt(hex.slice(i, i + 2), 16)).reverse().join('.');
  const bytes: number[] = [];
  for (let w = 0; w < 4; w++) {
    const word = hex.slice(w * 8, w * 8 + 8);
    for (let i = 6; i >= 0; i -= 2) bytes.push(parseInt(word.slice(i, i + 2), 16));
  }
  const mapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  if (mapped) return bytes.slice(12).join('.');
  if (bytes.every((b) => b === 0)) return '::';
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return groups.join(':');
}

export function parseProcNet(text: string, proto: 'tcp' | 'udp'): SocketEntry[] {
  const out: SocketEntry[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10) continue;
    const [lip, lport] = f[1]!.split(':');
    const [rip, rport] = f[2]!.split(':');
    out.push({
      proto, localIp: decodeAddress(lip!), localPort: parseInt(lport!, 16), remoteIp: decodeAddress(rip!), remotePort: parseInt(rport!, 16),
      state: proto === 'udp' ? 'UDP' : TCP_STATES[f[3]!] ?? f[3]!, inode: Number(f[9]),
    });
  }
  return out;
}

function read(path: string): string {
  try { return readFileSync(path, 'utf8'); } catch { return ''; }
}

export function allSockets(): SocketEntry[] {
  return [
    ...parseProcNet(read('/proc/net/tcp'), 'tcp'), ...parseProcNet(read('/proc/net/tcp6'), 'tcp'),
    ...parseProcNet(read('/proc/net/udp'), 'udp'), ...parseProcNet(read('/proc/net/udp6'), 'udp'),
  ];
}

/** Socket inodes held by a process (empty if it is gone). */
export function socketInodes(pid: number): Set<number> {
  const out = new Set<number>();
  let fds: string[];
  try { fds = readdirSync(`/proc/${pid}/fd`); } catch { return out; }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) out.add(Number(m[1]));
    } catch { /* closed meanwhile */ }
  }
  return out;
}

/** The given pids and every descendant (a unit's process may fork helpers). */
export function withDescendants(pids: readonly number[]): Set<number> {
  const parent = new Map<number, number>();
  let entries: string[] = [];
  try { entries = readdirSync('/proc').filter((e) => /^\d+$/.test(e)); } catch { /* not Linux */ }
  for (const e of entries) {
    const stat = read(`/proc/${e}/stat`);
    // Field 4 (ppid) follows the parenthesised command name, which may itself hold spaces.
    const m = /\)\s+\S+\s+(\d+)/.exec(stat);
    if (m) parent.set(Number(e), Number(m[1]));
  }
  const out = new Set(pids);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, pp] of parent) if (out.has(pp) && !out.has(pid)) { out.add(pid); grew = true; }
  }
  return out;
}
