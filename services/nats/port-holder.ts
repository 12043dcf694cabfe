/**
 * Which process holds a TCP port: read from /proc (Linux) so `dsm up` can name the culprit of a
 * port conflict without depending on ss/lsof. Best effort: another user's process shows as a
 * listener without a pid, and on a system without /proc the answer is just "in use".
 */
import net from 'node:net';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

export interface PortHolder {
  port: number;
  pid?: number;
  command?: string;
}

/** True when `port` on `host` can be bound right now (probed by binding it). */
export function canBind(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/** Socket inodes listening on `port` (any address), from /proc/net/tcp and tcp6. */
function listeningInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try { text = readFileSync(file, 'utf8'); } catch { continue; }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // f[1] local "ADDR:PORT" (hex), f[3] state (0A = LISTEN), f[9] inode.
      if (f.length < 10 || f[3] !== '0A') continue;
      const hexPort = f[1]!.split(':').pop()!;
      if (parseInt(hexPort, 16) === port) inodes.add(f[9]!);
    }
  }
  return inodes;
}

function commandOf(pid: number): string | undefined {
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
    return cmd.length > 120 ? `${cmd.slice(0, 117)}...` : cmd || undefined;
  } catch { return undefined; }
}

/** The process listening on `port`, as far as /proc lets this user see. */
export function portHolder(port: number): PortHolder {
  const inodes = listeningInodes(port);
  if (inodes.size === 0) return { port };
  let pids: string[];
  try { pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d)); } catch { return { port }; }
  for (const pid of pids) {
    let fds: string[];
    try { fds = readdirSync(`/proc/${pid}/fd`); } catch { continue; }
    for (const fd of fds) {
      let link: string;
      try { link = readlinkSync(`/proc/${pid}/fd/${fd}`); } catch { continue; }
      const m = /^socket:\[(\d+)\]$/.exec(link);
      if (m && inodes.has(m[1]!)) return { port, pid: Number(pid), command: commandOf(Number(pid)) };
    }
  }
  return { port };
}

export function describeHolder(h: PortHolder): string {
  if (h.pid === undefined) return `port ${h.port} is in use (by a process this user cannot see)`;
  return `port ${h.port} is in use by pid ${h.pid}${h.command ? ` (${h.command})` : ''}`;
}
