/**
 * `dsm up` / `status` / `down` against real nats-server processes on free ports: a port held by
 * someone else, a second `dsm up`, a node that dies while starting, Ctrl-C while starting, and
 * status/down from a subdirectory. Each of these misled or trapped an operator before.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { findFreePortBlock } from '../../services/nats/ports.js';
import { DSM_BIN, runDsm } from '../../test/harness/cli.js';

const tmp: string[] = [];
function tempDir(prefix: string): string {
  const d = mkdtempSync(path.join(os.tmpdir(), prefix));
  tmp.push(d);
  return d;
}

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

/** Pids of processes whose command line contains `marker` (what was left running). */
function processesWith(marker: string): number[] {
  return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((pid) => {
    try { return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker); } catch { return false; }
  }).map(Number);
}

/** A nats-server "binary" that misbehaves for one node, as a broken host would. */
function wrapper(dir: string, node: string, behaviour: string): string {
  const file = path.join(dir, 'nats-server-wrapper.sh');
  writeFileSync(file, `#!/bin/sh\ncase "$2" in\n  *${node}.conf) ${behaviour} ;;\nesac\nexec nats-server "$@"\n`);
  chmodSync(file, 0o755);
  return file;
}

afterAll(() => { for (const d of tmp) rmSync(d, { recursive: true, force: true }); });

describe('dsm up', () => {
  it('refuses a port someone else holds, naming the process, and starts nothing', async () => {
    const base = await findFreePortBlock(9);
    const holder = net.createServer().listen(base + 4, '127.0.0.1');
    await new Promise((r) => holder.once('listening', r));
    const dir = tempDir('dsm-up-conflict-');
    try {
      const r = await runDsm(['up', '--ports', String(base), '--dir', dir, '--timeout', '5000']);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain(`port ${base + 4} in use by pid ${process.pid}`);
      expect(r.stderr.trim().split('\n').filter((l) => l.startsWith('dsm:'))).toHaveLength(1);
      expect(r.stdout).not.toMatch(/ready/);
      expect(existsSync(path.join(dir, 'nats-1.pid'))).toBe(false);
      expect(processesWith(path.join(dir, 'nats-'))).toEqual([]);
    } finally { holder.close(); }
  }, 60_000);

  it('a second dsm up fails (same state: already running; other dir: ports held by the first); status and down work from a subdirectory', async () => {
    const base = await findFreePortBlock(9);
    const repo = tempDir('dsm-repo-');
    mkdirSync(path.join(repo, '.git'));
    const sub = path.join(repo, 'services', 'deep');
    mkdirSync(sub, { recursive: true });
    const up = await runDsm(['up', '--ports', String(base)], { cwd: repo, timeoutMs: 60_000 });
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toMatch(/cluster dsm-local ready/);
    const stateDir = path.join(repo, '.dsm', 'local');
    const pids = ['nats-1', 'nats-2', 'nats-3'].map((n) => Number(readFileSync(path.join(stateDir, `${n}.pid`), 'utf8')));
    try {
      const again = await runDsm(['up', '--ports', String(base)], { cwd: sub });
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(/already running/);
      const other = await runDsm(['up', '--ports', String(base), '--dir', tempDir('dsm-up-other-')]);
      expect(other.code).toBe(1);
      expect(other.stderr).toMatch(new RegExp(`ports ${base}, .*in use by pid ${pids[0]} \\(nats-server`));
      expect(pids.every(alive)).toBe(true);

      // From a subdirectory, with no --dir and no --ports: the state and the ports it was started with.
      const status = await runDsm(['status', '--interval', '100', '--json'], { cwd: sub });
      expect(status.code, status.stdout + status.stderr).toBe(0);
      expect(JSON.parse(status.stdout)).toMatchObject({ healthy: true, dir: stateDir });
      const down = await runDsm(['down'], { cwd: sub });
      expect(down.code).toBe(0);
      expect(down.stdout).toMatch(/stopped 3 node/);
      expect(pids.some(alive)).toBe(false);
      const after = await runDsm(['status', '--interval', '100'], { cwd: sub });
      expect(after.code).toBe(1);
      expect(after.stdout).toMatch(/not running/);
    } finally {
      for (const p of pids) { try { process.kill(p, 'SIGKILL'); } catch { /* gone */ } }
    }
  }, 120_000);

  it('a node that dies while starting: exit 1 with the cause from its log, and the others are stopped', async () => {
    const base = await findFreePortBlock(9);
    const dir = tempDir('dsm-up-dies-');
    const bin = wrapper(dir, 'nats-2', 'echo "[FTL] simulated: cannot open the certificate store" >&2; exit 1');
    const r = await runDsm(['up', '--ports', String(base), '--dir', dir, '--timeout', '20000'], { env: { DSM_NATS_SERVER: bin } });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/nats-2 exited 1: \[FTL\] simulated: cannot open the certificate store/);
    expect(r.stderr).toMatch(/stopped the 2 node\(s\) it had started/);
    expect(processesWith(path.join(dir, 'nats-'))).toEqual([]);
  }, 60_000);

  it('routes that never form: exit 1 within the timeout, naming each node\'s routes, and nothing left running', async () => {
    const base = await findFreePortBlock(9);
    const dir = tempDir('dsm-up-timeout-');
    const marker = String(8000 + Math.floor(Math.random() * 1000));
    const bin = wrapper(dir, 'nats-3', `exec sleep ${marker}`);
    const r = await runDsm(['up', '--ports', String(base), '--dir', dir, '--timeout', '3000'], { env: { DSM_NATS_SERVER: bin } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/routes did not form within 3000 ms \(nats-1: 1\/2 routes.*nats-3: 0\/2 routes/);
    expect(r.stderr).toMatch(/stopped the 3 node\(s\) it had started/);
    expect(processesWith(path.join(dir, 'nats-'))).toEqual([]);
    expect(processesWith(`sleep${'\0'}${marker}`)).toEqual([]);
  }, 60_000);

  it('Ctrl-C while waiting for routes stops every process it started (exit 130)', async () => {
    const base = await findFreePortBlock(9);
    const dir = tempDir('dsm-up-sigint-');
    const marker = String(3000 + Math.floor(Math.random() * 5000));
    // nats-3 never answers, so the routes cannot form and `dsm up` keeps waiting.
    const bin = wrapper(dir, 'nats-3', `exec sleep ${marker}`);
    const child = spawn(process.execPath, [DSM_BIN, 'up', '--ports', String(base), '--dir', dir, '--timeout', '60000'], { env: { ...process.env, DSM_NATS_SERVER: bin, DSM_LOG_FORMAT: 'json' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    // Wait until the real nodes are up (their pid files exist) and the sleeper runs.
    const deadline = Date.now() + 30_000;
    while (!(existsSync(path.join(dir, 'nats-1.pid')) && existsSync(path.join(dir, 'nats-2.pid')) && processesWith(`sleep${'\0'}${marker}`).length) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const started = ['nats-1', 'nats-2'].map((n) => Number(readFileSync(path.join(dir, `${n}.pid`), 'utf8')));
    child.kill('SIGINT');
    expect(await exited, stderr).toBe(130);
    expect(stderr).toMatch(/interrupted \(SIGINT\) while starting: stopped the 3 node/);
    expect(started.some(alive)).toBe(false);
    expect(processesWith(`sleep${'\0'}${marker}`)).toEqual([]);
  }, 90_000);

  it('status --watch samples until Ctrl-C, one JSON object per sample with --json', async () => {
    const dir = tempDir('dsm-watch-');
    const child = spawn(process.execPath, [DSM_BIN, 'status', '--watch', '--json', '--interval', '200', '--dir', dir, '--ports', String(await findFreePortBlock(9))], { env: { ...process.env, DSM_LOG_FORMAT: 'json' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (d) => { stdout += d; });
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const deadline = Date.now() + 30_000;
    while (stdout.split('\n').filter(Boolean).length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGINT');
    // Nothing runs in that directory: every sample says so, and the exit code says not healthy.
    expect(await exited).toBe(1);
    const samples = stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { healthy: boolean; nodes: Array<{ running: boolean }> });
    expect(samples.length).toBeGreaterThanOrEqual(3);
    expect(samples.every((s) => !s.healthy && s.nodes.every((n) => !n.running))).toBe(true);
  }, 60_000);
});
