import type { Command } from 'commander';
import path from 'node:path';
import { runDemo } from '../../services/demo/demo.js';
import { spawn } from 'node:child_process';
import { DSM_ENTRY } from '../../services/demo/demo.js';
import { describeMiss } from '../../services/demo/thresholds.js';
import { parsePace } from '../../services/ingest/sources/pacing.js';
import { CommandFailed, UsageError } from '../exit.js';
import { ENV_OPTION, configFor, portNumber } from '../options.js';

export function register(program: Command): void {
  program
    .command('demo')
    .description('run the whole pipeline on a local 3-node mTLS cluster: bundled recordings -> ingest -> NATS -> two subscribers; writes demo-report.{json,md}')
    .option(...ENV_OPTION)
    .option('--pace <pace>', 'replay pace: recorded, max, or a multiplier such as 10x', 'recorded')
    .option('--report-dir <dir>', 'where demo-report.json and demo-report.md go', '.')
    .option('--follow', 'keep everything running after the replay until Ctrl-C')
    .option('--no-view', 'no live terminal view')
    .option('--dashboard-port <port>', 'port of the local live dashboard on 127.0.0.1 (default metrics.localDashboardPort; 0 picks a free one)', portNumber('--dashboard-port', true))
    .option('--no-dashboard', 'do not start the local live dashboard')
    .option('--strict-latency', 'exit 1 when a configured latency threshold is missed (default: report it, exit 0 if the books match)')
    .action(async (opts: { env: string; pace: string; reportDir: string; follow?: boolean; view: boolean; dashboard: boolean; dashboardPort?: number; strictLatency?: boolean }) => {
      let pace;
      try { pace = parsePace(opts.pace); } catch (e) { throw new UsageError((e as Error).message); }
      const config = configFor(opts);
      const report = await runDemo({ config, pace, paceText: opts.pace, root: process.cwd(), reportDir: path.resolve(opts.reportDir), follow: opts.follow, view: opts.view,
        onReady: opts.dashboard ? dashboardProcess(opts.dashboardPort !== undefined ? opts.dashboardPort : config.metrics.localDashboardPort) : undefined });
      const e2e = report.latency_us.end_to_end;
      const itp = report.latency_us.ingest_to_publish;
      const pts = report.latency_us.publish_to_subscriber;
      // "OK" only when the books match AND the latency thresholds hold; books are the hard check (exit 1),
      // a missed threshold is said plainly (and fails the run with --strict-latency).
      const missed = report.thresholds.filter((t) => !t.met);
      const verdict = !report.ok ? 'demo FAILED (books differ)' : missed.length ? `demo books OK, latency thresholds MISSED: ${missed.map(describeMiss).join('; ')}` : 'demo OK (books equal, latency thresholds met)';
      process.stdout.write(`\n${verdict}\n`);
      process.stdout.write(`${report.events} events, ${report.published} published, ${report.received} received, ${report.book_mismatches} book mismatches over ${report.books} books\n`);
      process.stdout.write(`p50/p99 µs: ingest → publish ${itp?.p50 ?? '-'}/${itp?.p99 ?? '-'}, publish → subscriber ${pts?.p50 ?? '-'}/${pts?.p99 ?? '-'}, end to end ${e2e?.p50 ?? '-'}/${e2e?.p99 ?? '-'}\n`);
      process.stdout.write(`report: ${path.join(path.resolve(opts.reportDir), 'demo-report.md')} (latency picture: demo-latency.svg)\n`);
      if (!report.ok) throw new CommandFailed('subscriber books differ from the ingest\'s books (see demo-report.md)');
      if (opts.strictLatency && missed.length) throw new CommandFailed(`latency thresholds missed: ${missed.map(describeMiss).join('; ')}`);
    });
}

/**
 * The metrics agent and live dashboard in their own process (`dsm dashboard --local`), as on the
 * monitoring host, against the demo's cluster; resolves once the page is served.
 */
function dashboardProcess(port: number) {
  return async ({ configFile, dir }: { configFile: string; dir: string }): Promise<() => Promise<void>> => {
    const child = spawn(process.execPath, [DSM_ENTRY, 'dashboard', '--local', '--config', configFile, '--dir', dir, '--port', String(port), '--interval', '1'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DSM_LOG_LEVEL: 'warn', DSM_LOG_FORMAT: 'json' } });
    // Killed with the demo however it ends, from the moment it exists.
    const onExit = () => { try { child.kill('SIGKILL'); } catch { /* gone */ } };
    process.once('exit', onExit);
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => { if (err.length < 8000) err += d.toString(); });
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error('dashboard not up after 20 s')); }, 20_000);
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /live dashboard on (\S+)/.exec(out);
        if (m) { clearTimeout(timer); resolve(m[1]!); }
      });
      child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`dashboard exited ${code}: ${err.trim().split('\n').filter((l) => l.startsWith('dsm:')).join(' ') || err.trim().split('\n').at(-1)}`)); });
    });
    process.stderr.write(`live dashboard on ${url} (metrics agent + dashboard: pid ${child.pid})\n`);
    return async () => {
      process.off('exit', onExit);
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    };
  };
}
