/** `dsm dashboards export|import|diff`: the CloudWatch dashboards defined in dashboards/. */
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { EC2Client } from '@aws-sdk/client-ec2';
import type { Command } from 'commander';
import type { DsmConfig } from '../../config/schema.js';
import { renderDashboards, type DashboardResources } from '../../dashboards/index.js';
import { discoverResources } from '../../dashboards/resources.js';
import { DashboardAwsError, diffDashboards, exportDashboards, importDashboards } from '../../dashboards/deploy.js';
import { validateDashboardBody } from '../../dashboards/validate.js';
import { importedDashboardName } from '../../dashboards/names.js';
import { CommandFailed, UsageError } from '../exit.js';
import { ENV_OPTION, configFor } from '../options.js';

interface AwsOpts { env: string; region?: string; discover?: boolean }

function regionFor(cfg: DsmConfig, opts: AwsOpts): string {
  const region = opts.region ?? cfg.aws?.region;
  if (!region) throw new UsageError(`environment "${cfg.env}" has no aws.region; pass --region`);
  return region;
}

/** What the stacks deployed: instance ids found by tag, unless --no-discover. */
async function resourcesFor(cfg: DsmConfig, region: string, opts: AwsOpts): Promise<DashboardResources | undefined> {
  if (opts.discover === false) return undefined;
  try {
    return await discoverResources(new EC2Client({ region }), cfg);
  } catch (err) {
    throw new CommandFailed(`${(err as Error).message} (pass --no-discover to render without instance ids)`);
  }
}

function renderChecked(cfg: DsmConfig, region: string, resources?: DashboardResources) {
  const dashboards = renderDashboards(cfg, { region, ...(resources ? { resources } : {}) });
  // Never hand AWS a body our own validator rejects.
  const problems = dashboards.flatMap((d) => validateDashboardBody(d.body, cfg.metrics.namespace).map((p) => `${d.name}: ${p}`));
  if (problems.length) throw new CommandFailed(`dashboard definitions are invalid: ${problems.join('; ')}`);
  return dashboards;
}

async function withAwsErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof DashboardAwsError) throw new CommandFailed(err.message);
    throw err;
  }
}

const out = (line: string) => process.stdout.write(`${line}\n`);

export function register(program: Command): void {
  const cmd = program.command('dashboards').description('CloudWatch dashboards as code: export, import, diff');

  cmd.command('export')
    .description('write each dashboard body as <name>.json into DIR')
    .requiredOption('--out <dir>', 'directory to write into (created if missing)')
    .option(...ENV_OPTION)
    .option('--region <region>', 'region the widgets query (default: the config\'s aws.region, else us-east-1)')
    .action(async (opts: AwsOpts & { out: string }) => {
      const cfg = configFor(opts);
      const files = await exportDashboards(renderChecked(cfg, opts.region ?? cfg.aws?.region ?? 'us-east-1'), opts.out);
      for (const f of files) out(`wrote ${f}`);
    });

  cmd.command('import')
    .description('PutDashboard each dashboard as <name>-imported (terraform owns <name>) and report AWS\'s validation messages')
    .option(...ENV_OPTION)
    .option('--region <region>', 'AWS region (default: the config\'s aws.region)')
    .option('--dry-run', 'print the PutDashboard calls without making them')
    .option('--no-discover', 'do not look up NATS/ingestion instance ids (EC2 DescribeInstances by dsm:* tags)')
    .action(async (opts: AwsOpts & { dryRun?: boolean }) => {
      const cfg = configFor(opts);
      const region = regionFor(cfg, opts);
      // Never a name the stack manages: terraform would undo the import at its next apply, and the
      // import would show as drift in every plan.
      const dashboards = renderChecked(cfg, region, await resourcesFor(cfg, region, opts)).map((d) => ({ ...d, name: importedDashboardName(d.name) }));
      const results = await withAwsErrors(() => importDashboards(new CloudWatchClient({ region }), dashboards, { dryRun: opts.dryRun === true, write: out }));
      const flagged = results.filter((r) => r.validationMessages.length > 0);
      if (flagged.length) throw new CommandFailed(`CloudWatch reported validation messages for ${flagged.map((r) => r.name).join(', ')}`);
    });

  cmd.command('diff')
    .description('compare the deployed dashboards (GetDashboard) with the code; exit 1 if they differ')
    .option(...ENV_OPTION)
    .option('--imported', 'compare the copies `dsm dashboards import` wrote (<name>-imported) instead of the stack\'s')
    .option('--region <region>', 'AWS region (default: the config\'s aws.region)')
    .option('--no-discover', 'do not look up NATS/ingestion instance ids (EC2 DescribeInstances by dsm:* tags)')
    .action(async (opts: AwsOpts & { imported?: boolean }) => {
      const cfg = configFor(opts);
      const region = regionFor(cfg, opts);
      const rendered = renderChecked(cfg, region, await resourcesFor(cfg, region, opts));
      const dashboards = opts.imported ? rendered.map((d) => ({ ...d, name: importedDashboardName(d.name) })) : rendered;
      const results = await withAwsErrors(() => diffDashboards(new CloudWatchClient({ region }), dashboards, out));
      const off = results.filter((r) => r.status !== 'same');
      if (off.length) throw new CommandFailed(`${off.length} dashboard(s) differ from the code: ${off.map((r) => `${r.name} (${r.status})`).join(', ')}`);
    });
}
