/**
 * `dsm twin`: run the synthesized stack's hosts on this machine (services/twin) and check the
 * metric and flow contracts against the stack. Exit 0 only when both hold.
 */
import type { Command } from 'commander';
import { runTwin, type TwinReport } from '../../services/twin/twin.js';
import { CommandFailed, UsageError } from '../exit.js';
import { positiveInt } from '../options.js';

const collect = (v: string, prev: string[]) => [...prev, ...v.split(',').map((s) => s.trim()).filter(Boolean)];

function human(r: TwinReport): string {
  const out: string[] = [];
  out.push(`dsm twin: stack ${r.stack}, ${r.hosts.length} hosts, ${r.seconds}s of traffic`);
  for (const h of r.hosts) {
    out.push(`  ${h.name.padEnd(16)} ${h.tier.padEnd(22)} ${h.booted ? 'booted' : 'BOOT FAILED'}  ${h.units.map((u) => `${u.unit}${u.restarts ? ` (restarted ${u.restarts}x)` : ''}`).join(', ') || '-'}${h.skipped.length ? `  [not run: ${h.skipped.map((s) => s.unit).join(', ')}]` : ''}`);
  }
  const m = r.metrics;
  out.push('', `metrics: ${m.referenced.length} referenced in our namespace, ${m.emitted.length} emitted, ${m.missing.length} missing${m.missing.some((x) => x.allowed) ? ` (${m.missing.filter((x) => x.allowed).length} allowed)` : ''}`);
  for (const x of m.missing) out.push(`  MISSING ${x.metric}${x.allowed ? ' (allowed)' : ''}  read by ${x.readers.join('; ')}`);
  for (const u of m.unresolved) out.push(`  unresolved: ${u.reader}: ${u.expression} (${u.why})`);
  out.push('', `flows: ${r.flows.observed.length} observed, ${r.flows.denied.length} denied`);
  for (const f of r.flows.observed) {
    const d = r.flows.denied.find((x) => x.from === f.from && x.to === f.to && x.port === f.port && x.proto === f.proto);
    out.push(`  ${d ? 'DENIED ' : 'allowed'} ${f.from} -> ${f.to} ${f.proto}/${f.port} (${f.service})`);
    for (const why of d?.reasons ?? []) out.push(`          ${why}`);
  }
  for (const u of r.flows.unmapped) out.push(`  unmapped: ${u}`);
  if (r.listeners.unreachable.length) {
    out.push('', 'ports the security groups open where nothing reachable listens:');
    for (const u of r.listeners.unreachable) out.push(`  ${u.tier} ${u.proto}/${u.ports} from ${u.from}: ${u.why}`);
  }
  if (r.logs.unshipped.length || r.logs.unknown.length) {
    out.push('', 'service logs:');
    for (const g of r.logs.unshipped) out.push(`  NOT SHIPPED ${g}: no host's CloudWatch agent writes this log group`);
    for (const g of r.logs.unknown) out.push(`  UNKNOWN ${g}: a host ships into a log group the stack does not create`);
  }
  if (r.problems.length) { out.push('', 'problems:'); for (const p of r.problems) out.push(`  ${p}`); }
  out.push('', r.ok ? 'OK: every referenced metric was emitted and every flow is allowed' : 'NOT OK');
  return `${out.join('\n')}\n`;
}

export function register(program: Command): void {
  program
    .command('twin')
    .description('run the synthesized stack\'s hosts here (units + user data, prod config on loopback ports) and check that every metric the stack reads is emitted and every connection is allowed by its security groups and NACLs')
    .option('-e, --env <name>', 'environment whose stack to twin (needs an aws section)', 'prod')
    .option('--seconds <n>', 'seconds of traffic once every host is up', positiveInt('--seconds'), 15)
    .option('--scrape-interval <seconds>', 'metrics agents\' scrape interval in the twin (prod\'s is slower)', positiveInt('--scrape-interval'), 1)
    .option('--ready-timeout <seconds>', 'how long the services may take to start and connect before the traffic clock starts', positiveInt('--ready-timeout'), 180)
    .option('--allow-missing <metric>', 'a metric (name or Namespace/Name{dims}) that may be missing without failing; still listed (repeatable, comma-separated)', collect, [])
    .option('--dir <dir>', 'keep the hosts\' directories, configs and logs here (default: a temp dir, removed)')
    .option('--json', 'print the report as JSON')
    .addHelpText('after', `
Each host of the synthesized stack (NATS nodes, the ingest pair, the subscriber group's desired
instances) boots from its user data in a directory standing in for its root, then runs the AMI's
units (ami/units.ts) with their real command lines. Live feeds are replaced by the recorded
sessions; CloudWatch calls are recorded (DSM_CLOUDWATCH_RECORD), not sent.

Exit codes: 0 both contracts hold, 1 a metric is missing / a flow is denied / a host failed,
2 usage or config error.

Examples:
  dsm twin                                   # prod, human-readable report
  dsm twin --env prod --json --seconds 10 --allow-missing ClusterDeliveredMsgRate
  dsm twin --dir /tmp/twin                   # keep hosts' logs, configs and the recorded metrics`)
    .action(async (opts: { env: string; seconds: number; scrapeInterval: number; readyTimeout: number; allowMissing: string[]; dir?: string; json?: boolean }) => {
      const ac = new AbortController();
      const onSignal = () => ac.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      let report: TwinReport;
      try {
        report = await runTwin({
          env: opts.env, seconds: opts.seconds, scrapeIntervalSeconds: opts.scrapeInterval, readyTimeoutSeconds: opts.readyTimeout, allowMissing: opts.allowMissing,
          ...(opts.dir ? { dir: opts.dir, keep: true } : {}), signal: ac.signal,
          progress: (line) => { if (!opts.json || process.stderr.isTTY) process.stderr.write(`twin: ${line}\n`); },
        });
      } catch (e) {
        if (ac.signal.aborted) throw new CommandFailed('interrupted; every process the twin started was stopped');
        if (/no aws section/.test((e as Error).message)) throw new UsageError((e as Error).message);
        throw e;
      } finally {
        process.removeListener('SIGINT', onSignal);
        process.removeListener('SIGTERM', onSignal);
      }
      if (ac.signal.aborted) throw new CommandFailed('interrupted; every process the twin started was stopped');
      process.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : human(report));
      if (!report.ok) process.exitCode = 1;
    });
}
