/**
 * A local hot-standby ingest pair: two member processes fed the same updates. Used by the
 * ingest-failover drill (kill the leader, watch the standby take over) and its tests.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { DsmConfig } from '../../../config/schema.js';
import type { FeedUpdate } from '../feed-update.js';
import type { BookDump } from '../publish-engine.js';
import type { FromMember, MemberStatus, ToMember } from './member-process.js';

interface Member {
  id: string;
  child?: ChildProcess;
  status: MemberStatus;
  /** Published by earlier (killed) incarnations, so totals never go backwards. */
  publishedBefore: number;
  /** Live updates go only to ready members; a starting one catches up from the history. */
  ready: boolean;
}

export interface LocalPairOptions {
  config: DsmConfig;
  tlsDir: string;
  servers: string[];
  root: string;
  group?: string;
  ids?: [string, string];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class LocalIngestPair {
  private readonly members: Member[];
  /** Every update sent so far: a restarted member catches up from it, as from a feed's replay service. */
  private readonly history: FeedUpdate[] = [];

  constructor(private readonly opts: LocalPairOptions) {
    this.members = (opts.ids ?? ['ingest-a', 'ingest-b']).map((id) => ({ id, status: { id, leader: false, epoch: 0, published: 0, routed: 0 }, publishedBefore: 0, ready: false }));
  }

  async start(): Promise<void> {
    for (const m of this.members) await this.launch(m);
    await this.waitForLeader(5000);
  }

  private launch(m: Member): Promise<void> {
    const child = fork(fileURLToPath(new URL('./member-process.ts', import.meta.url)), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    m.child = child;
    m.ready = false;
    m.publishedBefore += m.status.published;
    m.status = { id: m.id, leader: false, epoch: 0, published: 0, routed: 0 };
    return new Promise<void>((resolve, reject) => {
      child.on('message', (msg: FromMember) => {
        if (msg.type === 'ready') resolve();
        else if (msg.type === 'error') reject(new Error(`${m.id}: ${msg.message}`));
        else if (msg.type === 'status') m.status = msg.status;
      });
      child.once('exit', () => { if (m.child === child) { m.child = undefined; m.ready = false; m.status = { ...m.status, leader: false }; } });
      const { config, tlsDir, servers, root } = this.opts;
      child.send({ type: 'init', config, tlsDir, servers, root, group: this.opts.group ?? 'ingest', id: m.id } satisfies ToMember);
    }).then(() => {
      // Catch up on everything the feed carried so far, in order, before live updates.
      for (let i = 0; i < this.history.length; i += 2000) child.send({ type: 'updates', updates: this.history.slice(i, i + 2000) } satisfies ToMember);
      m.ready = true;
    });
  }

  /** Both members get every update (as two hosts on one multicast feed). */
  send(updates: FeedUpdate[]): void {
    if (!updates.length) return;
    this.history.push(...updates);
    for (const m of this.members) if (m.ready) m.child?.send({ type: 'updates', updates } satisfies ToMember);
  }

  leader(): string | undefined {
    return this.members.find((m) => m.child && m.status.leader)?.id;
  }

  published(): number {
    return this.members.reduce((a, m) => a + m.publishedBefore + m.status.published, 0);
  }

  async waitForLeader(timeoutMs: number, not?: string): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const l = this.leader();
      if (l && l !== not) return l;
      if (Date.now() > deadline) throw new Error(`no ingest leader within ${timeoutMs} ms`);
      await sleep(10);
    }
  }

  /** SIGKILL the lease holder: no release, no goodbye. */
  killLeader(): string {
    const m = this.members.find((x) => x.child && x.status.leader);
    if (!m) throw new Error('no ingest member holds the lease');
    m.child!.kill('SIGKILL');
    m.child = undefined;
    m.ready = false;
    m.status = { ...m.status, leader: false };
    return m.id;
  }

  async ensureRunning(): Promise<void> {
    for (const m of this.members) if (!m.child) await this.launch(m);
  }

  /** The leader's books (the books subscribers must equal). */
  dump(): Promise<BookDump[]> {
    const m = this.members.find((x) => x.child && x.status.leader) ?? this.members.find((x) => x.child);
    if (!m?.child) return Promise.resolve([]);
    const child = m.child;
    return new Promise((resolve) => {
      const on = (msg: FromMember) => { if (msg.type === 'dump') { child.off('message', on); resolve(msg.books); } };
      child.on('message', on);
      child.send({ type: 'dump' } satisfies ToMember);
    });
  }

  async stop(): Promise<void> {
    await Promise.all(this.members.map((m) => new Promise<void>((resolve) => {
      const c = m.child;
      if (!c) return resolve();
      const t = setTimeout(() => { c.kill('SIGKILL'); resolve(); }, 3000);
      c.once('exit', () => { clearTimeout(t); resolve(); });
      c.send({ type: 'stop' } satisfies ToMember);
    })));
  }
}
