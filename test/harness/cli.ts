/**
 * Run the `dsm` CLI the way a person does (`node cli/bin/dsm.js ...` from the repository root)
 * and capture its exit code and output, for tests of the command-line contract; or start it as a
 * long-running child (`spawnDsm`), as a systemd unit would.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const ROOT = join(import.meta.dirname, '..', '..');
const run = promisify(execFile);

/** The CLI entry, for tests that spawn it themselves (signals, long runs). */
export const DSM_BIN = join(ROOT, 'cli', 'bin', 'dsm.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runDsm(args: string[], opts: { env?: Record<string, string>; timeoutMs?: number; cwd?: string } = {}): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, [join(ROOT, 'cli', 'bin', 'dsm.js'), ...args], {
      cwd: opts.cwd ?? ROOT,
      maxBuffer: 64 << 20,
      ...(opts.timeoutMs ? { timeout: opts.timeoutMs } : {}),
      env: { ...process.env, DSM_LOG_FORMAT: 'json', ...opts.env },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as CliResult;
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** A long-running `dsm` child (a service, a peer): its output kept, stopped however the test ends. */
export interface DsmProcess {
  readonly name: string;
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of `re` in the stream, rejects if the process exits first or time runs out. */
  waitFor(re: RegExp, stream?: 'stdout' | 'stderr', timeoutMs?: number): Promise<RegExpExecArray>;
  /** SIGTERM, then SIGKILL after `timeoutMs`; resolves with the exit code (null when killed by a signal). */
  stop(timeoutMs?: number): Promise<number | null>;
}

const running = new Set<ChildProcess>();
let exitHook = false;

export function spawnDsm(name: string, args: string[], opts: { env?: Record<string, string>; cwd?: string } = {}): DsmProcess {
  const child = spawn(process.execPath, [DSM_BIN, ...args], { cwd: opts.cwd ?? ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DSM_LOG_FORMAT: 'json', ...opts.env } });
  running.add(child);
  child.once('exit', () => running.delete(child));
  // A failing test (or a test process killed by vitest) must not leave services running.
  if (!exitHook) { exitHook = true; process.once('exit', () => { for (const c of running) c.kill('SIGKILL'); }); }
  const out = { stdout: '', stderr: '' };
  // Bounded: a chatty child must not grow the test's memory without limit (the latest 4 MiB are kept).
  const keep = (s: 'stdout' | 'stderr') => (d: Buffer) => { out[s] = (out[s] + d.toString()).slice(-(4 << 20)); };
  child.stdout!.on('data', keep('stdout'));
  child.stderr!.on('data', keep('stderr'));
  const tail = () => out.stderr.trim().split('\n').filter((l) => l.startsWith('dsm:')).join(' ') || out.stderr.trim().split('\n').slice(-3).join(' ');
  return {
    name,
    child,
    stdout: () => out.stdout,
    stderr: () => out.stderr,
    waitFor(re, stream = 'stdout', timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = re.exec(out[stream]);
          if (m) { done(); resolve(m); }
        };
        const onExit = (code: number | null) => { done(); reject(new Error(`${name} exited (${code}) before ${re}: ${tail()}`)); };
        const timer = setTimeout(() => { done(); reject(new Error(`${name}: no ${re} on ${stream} after ${timeoutMs} ms: ${tail()}`)); }, timeoutMs);
        const done = () => { clearTimeout(timer); child[stream]!.off('data', check); child.off('exit', onExit); };
        child[stream]!.on('data', check);
        child.once('exit', onExit);
        check();
      });
    },
    async stop(timeoutMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const code = await exited;
      clearTimeout(t);
      return code;
    },
  };
}
