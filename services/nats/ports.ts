/**
 * Free loopback ports for clusters started by tests and drills, so that parallel runs on one
 * machine never collide. A block of consecutive ports is probed by actually binding each one.
 */
import { canBind } from './port-holder.js';

/**
 * Find `count` consecutive free ports on `host`, starting at a random base in [low, high).
 * Random bases keep concurrent callers apart; probing catches what is already taken.
 */
export async function findFreePortBlock(count: number, host = '127.0.0.1', low = 20_000, high = 60_000, attempts = 50): Promise<number> {
  for (let a = 0; a < attempts; a++) {
    const base = low + Math.floor(Math.random() * (high - low - count));
    let ok = true;
    for (let p = base; p < base + count && ok; p++) ok = await canBind(p, host);
    if (ok) return base;
  }
  throw new Error(`no block of ${count} free ports on ${host} after ${attempts} attempts`);
}

/**
 * The same loopback config with its NATS ports moved to a free block, so a demo, drill or test
 * run never collides with another one (or with a `dsm up` cluster) on this machine.
 */
export async function withFreeLoopbackPorts<T extends { nats: { nodes: number; ports: { client: number; cluster: number; monitor: number } } }>(cfg: T): Promise<T> {
  const n = cfg.nats.nodes;
  const base = await findFreePortBlock(n * 3);
  return { ...cfg, nats: { ...cfg.nats, ports: { client: base, cluster: base + n, monitor: base + 2 * n } } };
}
