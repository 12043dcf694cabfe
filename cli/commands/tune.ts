/**
 * `dsm tune`: the feedback loop. On AWS it reads CloudWatch and, with --apply, moves the subscriber
 * ASG's target (PutScalingPolicy) and client settings (SSM PutParameter); the default there is a
 * dry run that prints the calls. Locally it runs the agent in-process against the local cluster and
 * publishes client settings on `_DSM.tune.client`.
 */
import path from 'node:path';
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { Command } from 'commander';
import type { DsmConfig } from '../../config/schema.js';
import { subscriberAsgName } from '../../dashboards/names.js';
import { startAgentRuntime } from '../../services/metrics/runtime.js';
import { AsgTargetApplier, AwsApplier, CloudWatchObservationSource, SsmClientSettings, TuneAwsError } from '../../services/tune/aws.js';
import type { Decision } from '../../services/tune/decide.js';
import { AgentObservationSource, ControlSubjectApplier, TuningAcks } from '../../services/tune/local.js';
import { Tuner } from '../../services/tune/loop.js';
import { CommandFailed, UsageError } from '../exit.js';
import { DIR_OPTION, localDir } from '../local-dir.js';
import { ENV_OPTION, configFor, positiveInt } from '../options.js';

interface Opts {
  env: string;
  dir?: string;
  dryRun?: boolean;
  apply?: boolean;
  once?: boolean;
  interval?: number;
  duration?: number;
  asg?: string;
  region?: string;
}

function printDecision(d: Decision, applied: boolean, wouldCall?: string): void {
  const verb = d.action === 'hold' ? 'hold' : applied ? 'changed' : 'would change';
  const values = d.action === 'hold' ? `${d.from}` : `${d.from} -> ${d.to}`;
  process.stdout.write(`${new Date().toISOString()} ${d.setting}: ${verb} ${values} (${d.reason})\n`);
  if (wouldCall) process.stdout.write(`  ${wouldCall}\n`);
}

async function runLoop(tuner: Tuner, cfg: DsmConfig, opts: Opts): Promise<void> {
  await tuner.step();
  if (opts.once) return;
  const intervalMs = (opts.interval ?? cfg.tune.intervalSeconds) * 1000;
  tuner.start(intervalMs);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
    if (opts.duration) setTimeout(resolve, opts.duration * 1000);
  });
  tuner.stop();
}

async function tuneAws(cfg: DsmConfig, opts: Opts): Promise<void> {
  const region = opts.region ?? cfg.aws!.region;
  const asgName = opts.asg ?? subscriberAsgName(cfg);
  const dryRun = !opts.apply;
  const asg = new AsgTargetApplier(new AutoScalingClient({ region }), asgName);
  const ssm = new SsmClientSettings(new SSMClient({ region }), cfg);
  try {
    const initial = { scalingTarget: await asg.load(), batchMessages: await ssm.load('batchMessages'), maxQueuedMessages: await ssm.load('maxQueuedMessages') };
    process.stdout.write(`tuning ${asgName} in ${region}${dryRun ? ' (dry run: pass --apply to make changes)' : ''}: target ${initial.scalingTarget} msg/s per instance, batchMessages ${initial.batchMessages}, maxQueuedMessages ${initial.maxQueuedMessages}\n`);
    const tuner = new Tuner(cfg, { source: new CloudWatchObservationSource(new CloudWatchClient({ region }), cfg, asgName), applier: new AwsApplier(asg, ssm), initial, dryRun, report: printDecision });
    await runLoop(tuner, cfg, opts);
  } catch (err) {
    // Unlike the other dry runs, tune's decisions are made from the live ASG and CloudWatch: no
    // credentials means nothing to decide from, so it says that instead of guessing.
    if (err instanceof TuneAwsError) throw new CommandFailed(/credential/i.test(err.message) ? `${err.message} (tune reads the live ASG and CloudWatch metrics even in a dry run: run it with AWS credentials for ${cfg.env}, e.g. AWS_PROFILE)` : err.message);
    throw err;
  }
}

async function tuneLocal(cfg: DsmConfig, opts: Opts): Promise<void> {
  const tlsDir = path.join(localDir(cfg.env, opts.dir), 'tls');
  const interval = opts.interval ?? cfg.tune.intervalSeconds;
  const rt = await startAgentRuntime(cfg, { tlsDir, intervalMs: Math.min(interval, cfg.metrics.scrapeIntervalSeconds) * 1000, cloudwatch: 'off' });
  let acks: TuningAcks | undefined;
  try {
    if (rt.agent.latestObservation()?.nodesScraped === 0) throw new CommandFailed(`no node of the local cluster answered; run dsm up first`);
    // Rates need two scrapes; the first decision waits for the second.
    await rt.agent.tick();
    // Services say what they applied: print it, so the loop is seen to close.
    acks = new TuningAcks().start(rt.nc!, cfg, (a) => process.stdout.write(`${new Date(a.at).toISOString()} ${a.service} applied ${Object.entries(a.applied).map(([k, v]) => `${k}=${v}`).join(' ')}${a.clamped.length ? ` (clamped: ${a.clamped.join('; ')})` : ''}\n`));
    const tuner = new Tuner(cfg, {
      source: new AgentObservationSource(rt.agent),
      applier: new ControlSubjectApplier(rt.nc!, cfg),
      initial: { batchMessages: cfg.ingest.batchMessages, maxQueuedMessages: cfg.client.maxQueuedMessages },
      dryRun: opts.dryRun === true,
      report: printDecision,
    });
    await runLoop(tuner, cfg, opts);
  } finally {
    acks?.stop();
    await rt.stop();
  }
}

export function register(program: Command): void {
  program
    .command('tune')
    .description('feedback loop: adjust the subscriber ASG target and client buffer/batch settings from live metrics, within configured bounds')
    .option(...ENV_OPTION)
    .option(...DIR_OPTION)
    .option('--dry-run', 'print the changes (and AWS calls) without making them (the default on AWS)')
    .option('--apply', 'on AWS: really call PutScalingPolicy / PutParameter')
    .option('--once', 'decide once and exit')
    .option('--interval <seconds>', 'seconds between decisions (default: tune.intervalSeconds)', positiveInt('--interval'))
    .option('--duration <seconds>', 'stop after this long (default: run until interrupted)', positiveInt('--duration'))
    .option('--asg <name>', 'subscriber ASG name (default: <clusterName>-subscribers)')
    .option('--region <region>', 'AWS region (default: the config\'s aws.region)')
    .action(async (opts: Opts) => {
      if (opts.apply && opts.dryRun) throw new UsageError('--apply and --dry-run contradict each other');
      const cfg = configFor(opts);
      if (cfg.aws) await tuneAws(cfg, opts);
      else {
        if (opts.apply) throw new UsageError(`--apply is for AWS environments; "${cfg.env}" publishes on the control subject`);
        await tuneLocal(cfg, opts);
      }
    });
}
