/**
 * Run the `dsm` CLI the way a person does (`node cli/bin/dsm.js ...` from the repository root)
 * and capture its exit code and output, for tests of the command-line contract.
 */
import { execFile } from 'node:child_process';
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
