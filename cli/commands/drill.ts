/**
 * `dsm drill <runbook> --target local|aws`: run a runbook's executable steps under load, measure
 * loss and recovery, always roll back, and write a timeline report (Markdown + JSON).
 */
import type { Command } from 'commander';
import path from 'node:path';
import type { DsmConfig } from '../../config/schema.js';
import { LocalCluster } from '../../services/nats/local-cluster.js';
import { AwsTarget, rolesOf } from '../../services/drill/aws/aws-target.js';
import { createAwsClients } from '../../services/drill/aws/caller.js';
import { confirmOrRefuse, ConfirmationRefused } from '../../services/drill/confirm.js';
import { runDrill, type TimelineEntry } from '../../services/drill/engine.js';
import { startEphemeralCluster, type EphemeralCluster } from '../../services/drill/ephemeral.js';
import { runSubscriberScale } from '../../services/drill/subscriber-scale.js';
import { LocalTarget } from '../../services/drill/local-target.js';
import { createLoad, loadNames, localServicesFor } from '../../services/drill/loads.js';
import { renderMarkdown, summary, writeReport } from '../../services/drill/report.js';
import { listRunbooks, loadRunbook, RunbookError, validateRunbook } from '../../services/drill/runbook.js';
import type { Call, DrillLoad, DrillTarget, TargetName } from '../../services/drill/types.js';
import { CommandFailed, UsageError } from '../exit.js';
import { DIR_OPTION, localDir } from '../local-dir.js';
import { ENV_OPTION, configFor, nonNegativeInt, positiveInt } from '../options.js';

interface Opts {
  env: string;
  dir?: string;
  target: string;
  dryRun?: boolean;
  json?: boolean;
  yes?: boolean;
  ephemeral?: boolean;
  load?: string;
  rate?: number;
  warmup: number;
  out?: string;
  list?: boolean;
}

function printEvent(e: TimelineEntry): void {
  process.stderr.write(`drill ${(e.t_ms / 1000).toFixed(3).padStart(8)}s ${e.phase.padEnd(13)} ${e.ok ? 'ok  ' : 'FAIL'} ${e.step ? `${e.step}: ` : ''}${e.what}${e.detail ? ` — ${e.detail}` : ''}\n`);
}

async function localSetup(cfg: DsmConfig, opts: Opts): Promise<{ cfg: DsmConfig; cluster: LocalCluster; ephemeral?: EphemeralCluster }> {
  if (opts.ephemeral) {
    const ephemeral = await startEphemeralCluster(cfg);
    return { cfg: ephemeral.cfg, cluster: ephemeral.cluster, ephemeral };
  }
  if (cfg.nats.placement !== 'loopback') throw new UsageError(`--target local needs a loopback environment; ${cfg.env} is "${cfg.nats.placement}" (use --env local)`);
  const cluster = new LocalCluster(cfg, { dir: localDir(cfg.env, opts.dir), detached: true });
  if (!(await cluster.status()).some((s) => s.running)) throw new CommandFailed(`no local cluster running in ${cluster.opts.dir}: start one with "dsm up", or pass --ephemeral`);
  return { cfg, cluster };
}

/**
 * Locally, subscriber-scale is the group drill (2 -> 4 -> 2 members under pipeline load): its
 * measurements (rebalance, ownership, per-member rate) need the group, not the runbook engine.
 */
async function groupScaleDrill(cfg: DsmConfig, opts: Opts): Promise<void> {
  if (opts.load && opts.load !== 'pipeline') throw new UsageError('subscriber-scale runs under the pipeline load locally (--load pipeline or none given)');
  const setup = await localSetup(cfg, opts);
  let report;
  try {
    report = await runSubscriberScale({
      cfg: setup.cfg, tlsDir: setup.cluster.tlsDir, servers: setup.cluster.clientUrls, root: process.cwd(),
      ...(opts.rate ? { rate: opts.rate } : {}),
      onEvent: (what) => process.stderr.write(`drill ${what}\n`),
    });
  } finally {
    await setup.ephemeral?.dispose();
  }
  if (opts.json) process.stdout.write(`${JSON.stringify(report)}\n`);
  else {
    process.stdout.write(`subscriber-scale ${report.ok ? 'OK' : 'NOT OK'}: group ${report.sizes.join(' -> ')} members over ${report.symbols} symbols at ${report.rate} updates/s\n`);
    process.stdout.write(`  rebalance_ms ${report.rebalance_ms.join(', ')}; ownership_violations ${report.ownership_violations}; books_consistent ${report.books_consistent}; gaps ${report.gaps}; resyncs ${report.resyncs}\n`);
    process.stdout.write(`  per-member rate ${report.per_member_rate_before} -> ${report.per_member_rate_after} -> ${report.per_member_rate_back} msg/s (ratio ${report.rate_ratio})\n`);
  }
  if (!report.ok) throw new CommandFailed(`drill subscriber-scale NOT OK: ${report.failures.join('; ')}`);
}

export function register(program: Command): void {
  program
    .command('drill')
    .description('run a runbook as a failover drill under load (local or AWS), measure loss and recovery, always roll back, write a report')
    .argument('[runbook]', 'runbook name (runbooks/<name>.md) or path to a .md file')
    .option('-t, --target <target>', 'local | aws', 'local')
    .option(...ENV_OPTION)
    .option(...DIR_OPTION)
    .option('--dry-run', 'print every action and AWS call the drill would make (ids resolved from tags), change nothing')
    .option('--json', 'print one JSON object with the results')
    .option('-y, --yes', 'do not ask for confirmation (AWS)')
    .option('--ephemeral', 'local: start a throw-away cluster on free ports instead of using the one from dsm up')
    .option('--load <name>', `load to measure under: ${loadNames().join(' | ')} (default builtin locally, none on AWS)`)
    .option('--rate <n>', 'updates per second of the built-in load', positiveInt('--rate'))
    .option('--warmup <ms>', 'load warm-up before the first step', nonNegativeInt('--warmup'), 1000)
    .option('--out <dir>', 'where reports go (default .dsm/<env>/drills)')
    .option('--list', 'list the runbooks and exit')
    .action(async (runbookArg: string | undefined, opts: Opts) => {
      if (opts.list) {
        for (const name of await listRunbooks()) process.stdout.write(`${name}: ${(await loadRunbook(name)).title}\n`);
        return;
      }
      if (!runbookArg) throw new UsageError('drill: missing <runbook>; one of: ' + (await listRunbooks()).join(', '));
      if (opts.target !== 'local' && opts.target !== 'aws') throw new UsageError(`--target must be local or aws, got "${opts.target}"`);
      const targetName: TargetName = opts.target;
      let rb;
      try {
        rb = await loadRunbook(runbookArg);
      } catch (err) {
        if (err instanceof RunbookError) throw new UsageError(err.problems.join('\n'));
        throw err;
      }
      const problems = validateRunbook(rb, targetName);
      if (problems.length) throw new UsageError(`runbook ${rb.name} is not valid for target ${targetName}:\n${problems.join('\n')}`);
      let cfg = configFor(opts);
      if (rb.name === 'subscriber-scale' && targetName === 'local' && !opts.dryRun) {
        await groupScaleDrill(cfg, opts);
        return;
      }

      let target: DrillTarget;
      let load: DrillLoad | undefined;
      let ephemeral: EphemeralCluster | undefined;
      if (targetName === 'aws') {
        if (!cfg.aws) throw new UsageError(`environment ${cfg.env} has no aws section; the aws target needs a deployed environment (e.g. --env prod)`);
        if (opts.load && opts.load !== 'none') throw new UsageError('--load on the aws target is not supported yet: AWS drills measure with the deployed pipeline\'s metrics (see the runbook\'s "Metrics to watch")');
        const calls = rb.steps.map((s) => s.actions.aws).filter((c): c is Call => c !== undefined);
        const awsTarget = () => new AwsTarget(cfg, { clients: createAwsClients(cfg.aws!.region), roles: rolesOf(calls) });
        if (!opts.dryRun && !opts.yes) {
          try {
            if (!process.stdin.isTTY) await confirmOrRefuse('');
            // Show exactly what will be done (ids resolved from tags) before asking; a degraded
            // environment is refused here, before anyone is asked anything.
            const preview = await runDrill(rb, { target: awsTarget(), dryRun: true });
            if (preview.refused) throw new CommandFailed(`refusing to run ${rb.name}: ${preview.refused}`);
            process.stderr.write(`Drill "${rb.title}" on AWS environment ${cfg.env} (${cfg.aws.region}) will make these calls:\n${preview.plan.map((p) => `  ${p}`).join('\n')}\n`);
            await confirmOrRefuse('It stops, restarts or replaces real instances.');
          } catch (err) {
            if (err instanceof ConfirmationRefused) throw new CommandFailed(err.message);
            throw err;
          }
        }
        target = awsTarget();
      } else {
        const setup = await localSetup(cfg, opts);
        cfg = setup.cfg;
        ephemeral = setup.ephemeral;
        try {
          // Ingest failover needs an ingest pair to fail over between; the other drills default to the built-in load.
          const defaultLoad = rb.name === 'ingest-failover' ? 'pipeline-ha' : 'builtin';
          load = opts.dryRun ? undefined : createLoad(opts.load ?? defaultLoad, { cfg, tlsDir: setup.cluster.tlsDir, servers: setup.cluster.clientUrls, ...(opts.rate ? { rate: opts.rate } : {}) });
        } catch (err) {
          await ephemeral?.dispose();
          throw new UsageError((err as Error).message);
        }
        target = new LocalTarget(setup.cluster, localServicesFor(setup.cluster, load));
      }

      // First Ctrl-C: stop the forward path and roll back. Second: leave now.
      const abort = new AbortController();
      const onSigint = () => {
        if (abort.signal.aborted) process.exit(130);
        process.stderr.write('dsm: interrupted: rolling back (Ctrl-C again to exit without rollback)\n');
        abort.abort();
      };
      // An attached (ephemeral) cluster kills its servers on SIGINT; nothing to roll back there.
      if (!ephemeral) process.on('SIGINT', onSigint);
      let report;
      try {
        report = await runDrill(rb, {
          target, load, dryRun: opts.dryRun ?? false, warmupMs: opts.warmup,
          checkPollMs: targetName === 'aws' ? 5000 : 10, onEvent: printEvent, signal: abort.signal,
        });
      } finally {
        process.off('SIGINT', onSigint);
        await ephemeral?.dispose();
      }

      // A dry run needs no credentials: when the ids cannot be resolved from tags, show the
      // runbook's calls by step, unresolved, and say why (exit 0: nothing was asked of AWS).
      if (opts.dryRun && targetName === 'aws' && report.refused && /credential|ExpiredToken|UnrecognizedClient|security token/i.test(report.refused)) {
        process.stderr.write(`dry run without AWS access (${report.refused.replace(/^cannot check the cluster's health: /, '')}): instance ids are not resolved from tags; the calls by step:\n`);
        const lines = rb.steps.filter((s) => s.actions.aws).map((s) => `${s.section} ${s.id}: ${s.actions.aws!.name} ${Object.entries(s.actions.aws!.args).map(([k, v]) => `${k}=${v}`).join(' ')}`);
        if (opts.json) process.stdout.write(`${JSON.stringify({ runbook: rb.name, target: 'aws', dry_run: true, resolved: false, reason: report.refused, steps: lines })}\n`);
        else { process.stdout.write(`dry run of ${rb.name} on aws (unresolved: no credentials): ${lines.length} steps\n`); for (const l of lines) process.stdout.write(`  ${l}\n`); }
        return;
      }
      const files = opts.dryRun ? undefined : await writeReport(report, path.resolve(opts.out ?? path.join(localDir(cfg.env, opts.dir), 'drills')));
      if (opts.json) process.stdout.write(`${JSON.stringify(summary(report, files))}\n`);
      else if (opts.dryRun) {
        process.stdout.write(`dry run of ${rb.name} on ${targetName}: ${report.refused ? `would refuse: ${report.refused}` : `${report.plan.length} calls`}\n`);
        for (const p of report.plan) process.stdout.write(`  ${p}\n`);
      } else {
        process.stdout.write(renderMarkdown(report).split('\n## Timeline')[0]!);
        if (files) process.stdout.write(`report: ${files.markdown}\n        ${files.json}\n`);
      }
      if (report.refused) throw new CommandFailed(`refusing to run ${rb.name}: ${report.refused}`);
      if (!report.ok) throw new CommandFailed(`drill ${rb.name} NOT OK: ${report.failures.join('; ') || 'see report'}`);
    });
}
