import type { Command } from 'commander';
import path from 'node:path';
import { runDemo } from '../../services/demo/demo.js';
import { demoDashboard } from '../../dashboards/local/demo-hook.js';
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
    .action(async (opts: { env: string; pace: string; reportDir: string; follow?: boolean; view: boolean; dashboard: boolean; dashboardPort?: number }) => {
      let pace;
      try { pace = parsePace(opts.pace); } catch (e) { throw new UsageError((e as Error).message); }
      const config = configFor(opts);
      const report = await runDemo({ config, pace, paceText: opts.pace, root: process.cwd(), reportDir: path.resolve(opts.reportDir), follow: opts.follow, view: opts.view,
        onReady: opts.dashboard ? demoDashboard({ port: opts.dashboardPort !== undefined ? opts.dashboardPort : config.metrics.localDashboardPort }) : undefined });
      const e2e = report.latency_us.end_to_end;
      process.stdout.write(`\ndemo ${report.ok ? 'OK' : 'FAILED'}: ${report.events} events, ${report.published} published, ${report.received} received, ${report.book_mismatches} book mismatches over ${report.books} books; end-to-end p50 ${e2e?.p50 ?? '-'} µs, p99 ${e2e?.p99 ?? '-'} µs\n`);
      process.stdout.write(`report: ${path.join(path.resolve(opts.reportDir), 'demo-report.md')}\n`);
      if (!report.ok) throw new CommandFailed('subscriber books differ from the ingest\'s books (see demo-report.md)');
    });
}
