/**
 * A real nats-server cluster on one machine, from the same rendered configs production uses.
 * Used by `dsm up/down/status`, the demo, the drills and the test harness alike.
 *
 * Attached mode (tests, demo, drills): the servers are children of this process and are killed
 * when it exits, whatever the reason. Detached mode (`dsm up`): the servers outlive the CLI and
 * are found again through their pid files.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { openSync, closeSync } from 'node:fs';
import path from 'node:path';
import type { DsmConfig } from '../../config/schema.js';
import { natsNodes, type NatsNode } from '../../config/topology.js';
import { initCerts } from './certs.js';
import { fetchRoutez } from './monitor.js';
import { canBind, portHolder } from './port-holder.js';
import { localConfigPath, renderNatsConfig } from './render.js';

export interface LocalClusterOptions {
  /** Working directory: tls/, configs, logs, pid files. */
  dir: string;
  detached?: boolean;
  /** nats-server binary (default: from PATH). */
  binary?: string;
}

export interface NodeStatus {
  node: NatsNode;
  pid?: number;
  running: boolean;
  routes: number;
}

const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Kill attached servers however this process ends, so nothing is left running after tests. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  const killAll = () => { for (const c of liveChildren) { try { c.kill('SIGKILL'); } catch { /* already gone */ } } };
  process.once('exit', killAll);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => { killAll(); process.exit(128 + (sig === 'SIGINT' ? 2 : sig === 'SIGTERM' ? 15 : 1)); });
  }
}

function pidAlive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class LocalCluster {
  readonly nodes: NatsNode[];
  readonly tlsDir: string;
  private readonly children = new Map<number, ChildProcess>();

  constructor(readonly cfg: DsmConfig, readonly opts: LocalClusterOptions) {
    if (cfg.nats.placement !== 'loopback') throw new Error(`a local cluster needs nats.placement "loopback", env ${cfg.env} has "${cfg.nats.placement}"`);
    this.nodes = natsNodes(cfg);
    this.tlsDir = path.join(opts.dir, 'tls');
  }

  monitorUrl(index: number): string {
    const n = this.node(index);
    return `http://${n.ip}:${n.monitorPort}`;
  }

  get monitorUrls(): string[] { return this.nodes.map((n) => this.monitorUrl(n.index)); }
  get clientUrls(): string[] { return this.nodes.map((n) => `tls://${n.ip}:${n.clientPort}`); }

  node(index: number): NatsNode {
    const n = this.nodes.find((x) => x.index === index);
    if (!n) throw new RangeError(`node must be between 1 and ${this.nodes.length}, got ${index}`);
    return n;
  }

  configPath(index: number): string { return localConfigPath(this.opts.dir, this.node(index).name); }
  logPath(index: number): string { return path.join(this.opts.dir, `${this.node(index).name}.log`); }
  pidPath(index: number): string { return path.join(this.opts.dir, `${this.node(index).name}.pid`); }

  /** Certificates (kept if present) and one rendered config per node. */
  async prepare(): Promise<void> {
    await mkdir(this.opts.dir, { recursive: true });
    await initCerts(this.cfg, this.tlsDir);
    for (const n of this.nodes) {
      const text = renderNatsConfig(this.cfg, n.index, { tlsDir: this.tlsDir, logFile: this.logPath(n.index), pidFile: this.pidPath(n.index) });
      await writeFile(this.configPath(n.index), text, { mode: 0o600 });
    }
    // The resolved config goes with the state so `dsm status`/`down` see the ports that were started.
    await writeFile(path.join(this.opts.dir, 'cluster.json'), JSON.stringify({ env: this.cfg.env, nodes: this.nodes, config: this.cfg }, null, 2));
  }

  /**
   * Ports a node would listen on that something else holds now, one line per holder
   * ("ports 4222, 6222, 8222 (nats-1) in use by pid 123 (nats-server -c ...)").
   */
  async portConflicts(): Promise<string[]> {
    const byHolder = new Map<string, string[]>();
    for (const n of this.nodes) {
      for (const port of [n.clientPort, n.clusterPort, n.monitorPort]) {
        if (await canBind(port, n.ip)) continue;
        const h = portHolder(port);
        const key = h.pid === undefined ? 'a process this user cannot see' : `pid ${h.pid}${h.command ? ` (${h.command})` : ''}`;
        byHolder.set(key, [...(byHolder.get(key) ?? []), `${port}`]);
      }
    }
    return [...byHolder].map(([holder, ports]) => `port${ports.length > 1 ? 's' : ''} ${ports.join(', ')} in use by ${holder}`);
  }

  /** Nodes this object started whose process has ended, with the cause from their log. */
  exitedNodes(): Array<{ name: string; cause: string }> {
    const out: Array<{ name: string; cause: string }> = [];
    for (const [index, child] of this.children) {
      if (child.exitCode === null && child.signalCode === null) continue;
      const how = child.signalCode ? `killed by ${child.signalCode}` : `exited ${child.exitCode}`;
      out.push({ name: this.node(index).name, cause: `${how}${this.logCause(index) ? `: ${this.logCause(index)}` : ''}` });
    }
    return out;
  }

  /** The last fatal/error line of a node's log (or its captured stdout/stderr), for one-line reports. */
  logCause(index: number): string | undefined {
    const lines: string[] = [];
    for (const file of [this.logPath(index), path.join(this.opts.dir, `${this.node(index).name}.stdout`)]) {
      if (!existsSync(file)) continue;
      try { lines.push(...readFileSync(file, 'utf8').split('\n').map((l) => l.trim()).filter(Boolean).slice(-50)); } catch { /* unreadable: no cause */ }
    }
    const bad = lines.filter((l) => /\[(FTL|ERR)\]|error|fatal|cannot|failed/i.test(l));
    const line = bad.at(-1) ?? lines.at(-1);
    return line?.replace(/^\[\d+\] [\d/]+ [\d:.]+ /, '');
  }

  /** Pids of the processes this object started that are still running. */
  ownPids(): number[] {
    return [...this.children.values()].filter((c) => c.pid && c.exitCode === null && c.signalCode === null).map((c) => c.pid!);
  }

  async start(opts: { timeoutMs?: number } = {}): Promise<void> {
    await this.prepare();
    for (const n of this.nodes) await this.startNode(n.index, { wait: false });
    await this.waitReady(opts.timeoutMs ?? 15_000);
  }

  async startNode(index: number, opts: { wait?: boolean } = {}): Promise<void> {
    const bin = this.opts.binary ?? 'nats-server';
    const args = ['-c', this.configPath(index)];
    let child: ChildProcess;
    if (this.opts.detached) {
      const out = openSync(path.join(this.opts.dir, `${this.node(index).name}.stdout`), 'a');
      child = spawn(bin, args, { detached: true, stdio: ['ignore', out, out] });
      closeSync(out);
      child.unref();
    } else {
      installExitHook();
      child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
      liveChildren.add(child);
      child.once('exit', () => liveChildren.delete(child));
      let stderr = '';
      child.stderr?.on('data', (d: Buffer) => { if (stderr.length < 4096) stderr += d.toString(); });
      child.once('exit', (code) => { if (code && code !== 0 && !this.stopping) this.lastError = `nats-server ${this.node(index).name} exited ${code}: ${stderr.trim()}`; });
    }
    const spawnError = await new Promise<Error | undefined>((resolve) => {
      child.once('error', (e) => resolve(e));
      child.once('spawn', () => resolve(undefined));
    });
    if (spawnError) throw new Error(`cannot start ${bin}: ${spawnError.message} (is nats-server installed? make deps installs it)`);
    this.children.set(index, child);
    if (opts.wait ?? true) await this.waitReady(15_000);
  }

  private stopping = false;
  private lastError: string | undefined;

  /** Ready when every running node reports a route to every other running node. */
  async waitReady(timeoutMs: number, expectNodes: number[] = this.nodes.map((n) => n.index)): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      if (this.lastError) throw new Error(this.lastError);
      const exited = this.exitedNodes().filter((e) => expectNodes.some((i) => this.node(i).name === e.name));
      if (exited.length) throw new Error(exited.map((e) => `${e.name} ${e.cause}`).join('; '));
      const counts = await Promise.all(expectNodes.map((i) => fetchRoutez(this.monitorUrl(i), 1000).then((r) => r.num_routes, () => -1)));
      if (counts.every((c) => c === expectNodes.length - 1)) return;
      last = expectNodes.map((i, k) => `${this.node(i).name}: ${counts[k]! < 0 ? 'down' : `${counts[k]} routes`}`).join(', ');
      await sleep(100);
    }
    throw new Error(`cluster not ready after ${timeoutMs} ms (${last}); see logs in ${this.opts.dir}`);
  }

  /** SIGKILL one node (drills): no goodbye to peers or clients, as a host loss looks. */
  killNode(index: number, signal: NodeJS.Signals = 'SIGKILL'): void {
    const child = this.children.get(index);
    if (child?.pid) child.kill(signal);
    this.children.delete(index);
  }

  async status(): Promise<NodeStatus[]> {
    return Promise.all(this.nodes.map(async (node) => {
      const pid = await this.readPid(node.index);
      const running = pid !== undefined && pidAlive(pid);
      const routes = running ? await fetchRoutez(this.monitorUrl(node.index), 1000).then((r) => r.num_routes, () => 0) : 0;
      return { node, pid, running, routes };
    }));
  }

  private async readPid(index: number): Promise<number | undefined> {
    const child = this.children.get(index);
    // A child killed by a signal has exitCode null too: it is running only if neither is set.
    if (child?.pid && child.exitCode === null && child.signalCode === null) return child.pid;
    try {
      const pid = Number((await readFile(this.pidPath(index), 'utf8')).trim());
      return Number.isInteger(pid) && pid > 0 ? pid : undefined;
    } catch { return undefined; }
  }

  /** Graceful stop (SIGTERM, then SIGKILL after the grace period); works across processes via pid files. */
  async stop(graceMs = 5000): Promise<void> {
    this.stopping = true;
    const fromFiles = await Promise.all(this.nodes.map((n) => this.readPid(n.index)));
    const pids = [...new Set([...fromFiles, ...this.ownPids()])].filter((p): p is number => p !== undefined && pidAlive(p));
    for (const pid of pids) { try { process.kill(pid, 'SIGTERM'); } catch { /* gone */ } }
    const deadline = Date.now() + graceMs;
    while (Date.now() < deadline && pids.some(pidAlive)) await sleep(50);
    for (const pid of pids.filter(pidAlive)) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
    while (pids.some(pidAlive) && Date.now() < deadline + 2000) await sleep(20);
    for (const n of this.nodes) await rm(this.pidPath(n.index), { force: true });
    this.children.clear();
  }
}
