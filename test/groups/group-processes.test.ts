/**
 * Subscriber groups in production shape: `dsm ingest` and two `dsm subscribe --group` processes
 * (member id from DSM_MEMBER, as the subscriber hosts' boot script sets it), watched from
 * outside on the group's heartbeat subject. The members divide the published symbols, one live
 * owner each; SIGTERM on one (what the drain hook does on scale-in) hands its symbols to the other
 * with no symbol left unowned, and the leaver exits 0.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GroupObserver } from '../../services/drill/group-observer.js';
import { encodeSubjectToken } from '../../services/marketdata/subject.js';
import { findFreePortBlock } from '../../services/nats/ports.js';
import { DSM_BIN } from '../harness/cli.js';
import { startTestCluster, type TestCluster } from '../harness/cluster.js';

const ROOT = path.join(import.meta.dirname, '..', '..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('dsm subscribe --group as processes', () => {
  let tc: TestCluster;
  let dir: string;
  const procs: Array<{ name: string; child: ChildProcess; out: string[] }> = [];
  beforeAll(async () => {
    tc = await startTestCluster();
    dir = mkdtempSync(path.join(os.tmpdir(), 'dsm-group-procs-'));
  }, 60_000);
  afterAll(async () => {
    for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await tc?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('divides the symbols between two member processes and hands over on SIGTERM', async () => {
    const cfg = tc.config;
    const cfgFile = path.join(dir, 'env.json');
    // The ITCH feed's UDP port is fixed in the local config: move it to a free one.
    const itch = await findFreePortBlock(1);
    writeFileSync(cfgFile, JSON.stringify({ ...cfg, exchanges: cfg.exchanges.map((e) => (e.feed.kind === 'itch-moldudp64' ? { ...e, feed: { ...e.feed, port: itch } } : e)) }));
    const start = (name: string, args: string[], env: Record<string, string> = {}) => {
      const child = spawn(process.execPath, [DSM_BIN, ...args, '--config', cfgFile, '--tls-dir', tc.tlsDir], { cwd: ROOT, env: { ...process.env, DSM_LOG_FORMAT: 'json', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
      const p = { name, child, out: [] as string[] };
      child.stdout!.on('data', (d: Buffer) => p.out.push(d.toString()));
      child.stderr!.on('data', (d: Buffer) => p.out.push(d.toString()));
      procs.push(p);
      return p;
    };
    const ops = await tc.connect('ops');
    const published = new Set<string>();
    ops.subscribe('_DSM.symbols.*', { callback: (_e, m) => { const a = JSON.parse(m.string()) as { exchange: string; symbols: string[] }; for (const s of a.symbols) published.add(`${a.exchange}.${encodeSubjectToken(s)}.orderbook`); } });
    const g = cfg.groups;
    const observer = new GroupObserver({ timeoutMs: g.heartbeatMs * g.missedHeartbeats, boundMs: g.handoverMs + 2 * g.heartbeatMs, symbols: () => published }).start(ops, '_DSM.group.subscriber.hosts');

    start('ingest', ['ingest', '--pace', '2x', '--workers', '1']);
    const a = start('a', ['subscribe', '--group', 'hosts'], { DSM_MEMBER: 'i-0aaa' });
    start('b', ['subscribe', '--group', 'hosts'], { DSM_MEMBER: 'i-0bbb' });
    // Every recorded exchange announced (their symbols appear as they are first published).
    for (let i = 0; i < 300 && published.size < 10; i++) await sleep(100);
    expect(published.size, procs.map((p) => p.out.join('').slice(-1000)).join('\n')).toBeGreaterThanOrEqual(10);
    const formed = await observer.waitSettled(2, 20_000);
    expect(formed, JSON.stringify(observer.view())).toBeDefined();
    expect(observer.members()).toEqual(['i-0aaa', 'i-0bbb']);
    observer.armed = true;

    // Scale-in: the drain hook's SIGTERM. The leaver hands over and exits 0.
    const t0 = performance.now();
    a.child.kill('SIGTERM');
    const settled = await observer.waitSettled(1, 10_000);
    expect(settled, JSON.stringify(observer.view())).toBeDefined();
    expect(performance.now() - t0).toBeLessThan(5000);
    const code = await new Promise<number | null>((r) => (a.child.exitCode !== null ? r(a.child.exitCode) : a.child.once('exit', (c) => r(c))));
    expect(code, a.out.join('').slice(-2000)).toBe(0);
    expect(observer.members()).toEqual(['i-0bbb']);
    expect(observer.violations, JSON.stringify(observer.violationLog)).toBe(0);
    observer.stop();
  }, 120_000);
});
