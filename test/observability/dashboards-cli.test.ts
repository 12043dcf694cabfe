import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CloudWatchClient, GetDashboardCommand, PutDashboardCommand, ResourceNotFound } from '@aws-sdk/client-cloudwatch';
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { loadConfig } from '../../config/load.js';
import { renderDashboards } from '../../dashboards/index.js';
import { validateDashboardBody } from '../../dashboards/validate.js';
import { dsmInProcess } from './capture.js';

const cw = mockClient(CloudWatchClient);
const ec2 = mockClient(EC2Client);
const prod = loadConfig('prod');
const resources = { subscriberAsgName: 'dsm-prod-subscribers', natsInstanceIds: ['i-0n1', 'i-0n2', 'i-0n3'], ingestionInstanceIds: ['i-0primary', 'i-0standby'] };
const expected = renderDashboards(prod, { resources });

const instance = (id: string, tags: Record<string, string>) => ({ InstanceId: id, Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) });

function accessDenied(): Error {
  return Object.assign(new Error('User: arn:aws:iam::123456789012:user/ci is not authorized to perform: cloudwatch:PutDashboard'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
}

beforeEach(() => {
  cw.reset();
  ec2.reset();
  // Out of order on purpose: the CLI must sort as the stacks do (node number; primary before standby).
  ec2.on(DescribeInstancesCommand, { Filters: [{ Name: 'tag:dsm:env', Values: ['prod'] }, { Name: 'tag:dsm:role', Values: ['nats'] }, { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped'] }] })
    .resolves({ Reservations: [{ Instances: [instance('i-0n3', { 'dsm:node': '3' }), instance('i-0n1', { 'dsm:node': '1' })] }, { Instances: [instance('i-0n2', { 'dsm:node': '2' })] }] });
  ec2.on(DescribeInstancesCommand, { Filters: [{ Name: 'tag:dsm:env', Values: ['prod'] }, { Name: 'tag:dsm:role', Values: ['ingest'] }, { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped'] }] })
    .resolves({ Reservations: [{ Instances: [instance('i-0standby', { 'dsm:standby': 'true', Name: 'dsm-prod-ingest-b' }), instance('i-0primary', { 'dsm:standby': 'false', Name: 'dsm-prod-ingest-a' })] }] });
});

describe('dsm dashboards export', () => {
  let dir: string;
  beforeAll(async () => (dir = await mkdtemp(path.join(os.tmpdir(), 'dsm-dash-'))));
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('writes one valid JSON body per dashboard', async () => {
    const r = await dsmInProcess('dashboards', 'export', '--env', 'prod', '--out', dir);
    expect(r.code).toBe(0);
    expect((await readdir(dir)).sort()).toEqual(['dsm-prod-exchanges.json', 'dsm-prod-overview.json']);
    const body = JSON.parse(await readFile(path.join(dir, 'dsm-prod-overview.json'), 'utf8'));
    expect(body).toEqual(renderDashboards(prod)[0]!.body);
    expect(validateDashboardBody(body, 'DSM')).toEqual([]);
    expect(r.stdout).toContain(`wrote ${path.join(dir, 'dsm-prod-overview.json')}`);
    expect(cw.calls()).toHaveLength(0);
  });
});

describe('dsm dashboards import', () => {
  it('calls PutDashboard with each JSON body under <name>-imported', async () => {
    cw.on(PutDashboardCommand).resolves({ DashboardValidationMessages: [] });
    const r = await dsmInProcess('dashboards', 'import', '--env', 'prod');
    expect(r.code).toBe(0);
    const calls = cw.commandCalls(PutDashboardCommand);
    expect(calls.map((c) => c.args[0].input)).toEqual(expected.map((d) => ({ DashboardName: `${d.name}-imported`, DashboardBody: JSON.stringify(d.body) })));
    expect(r.stdout).toBe('PutDashboard dsm-prod-overview-imported: ok\nPutDashboard dsm-prod-exchanges-imported: ok\n');
  });

  it('never writes a dashboard name the stack manages (one owner per dashboard)', async () => {
    cw.on(PutDashboardCommand).resolves({});
    await dsmInProcess('dashboards', 'import', '--env', 'prod');
    const { synthPlatform } = await import('../../stacks/test-configs.js');
    const { resourcesOf } = await import('../../stacks/test-support.js');
    const managed = resourcesOf(synthPlatform(prod).out.json, 'aws_cloudwatch_dashboard').map(([, d]) => d.dashboard_name as string);
    expect(managed.sort()).toEqual(['dsm-prod-exchanges', 'dsm-prod-overview']);
    const written = cw.commandCalls(PutDashboardCommand).map((c) => c.args[0].input.DashboardName!);
    expect(written).toHaveLength(2);
    expect(written.filter((n) => managed.includes(n))).toEqual([]);
  });

  it('--dry-run prints the calls and makes none', async () => {
    const r = await dsmInProcess('dashboards', 'import', '--env', 'prod', '--dry-run');
    expect(r.code).toBe(0);
    expect(cw.calls()).toHaveLength(0);
    const bytes = JSON.stringify(expected[0]!.body).length;
    expect(r.stdout).toContain(`would call PutDashboard DashboardName=dsm-prod-overview-imported DashboardBody=<${bytes} bytes, ${expected[0]!.body.widgets.length} widgets>`);
    expect(r.stdout).toContain('would call PutDashboard DashboardName=dsm-prod-exchanges-imported');
  });

  it('reports the validation messages AWS returns and exits 1', async () => {
    cw.on(PutDashboardCommand, { DashboardName: 'dsm-prod-overview-imported' }).resolves({
      DashboardValidationMessages: [{ DataPath: '/widgets/3/properties/metrics/0', Message: 'The metric is not valid' }],
    });
    cw.on(PutDashboardCommand, { DashboardName: 'dsm-prod-exchanges-imported' }).resolves({});
    const r = await dsmInProcess('dashboards', 'import', '--env', 'prod');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('PutDashboard dsm-prod-overview-imported: ok with 1 validation message(s)\n  dsm-prod-overview-imported /widgets/3/properties/metrics/0: The metric is not valid\n');
    expect(r.stderr).toBe('dsm: CloudWatch reported validation messages for dsm-prod-overview-imported\n');
  });

  it('finds the instance ids by the stacks\' tags; --no-discover skips EC2 and falls back to SEARCH', async () => {
    cw.on(PutDashboardCommand).resolves({});
    await dsmInProcess('dashboards', 'import', '--env', 'prod');
    expect(ec2.commandCalls(DescribeInstancesCommand)).toHaveLength(2);
    const sentOverview = JSON.parse(cw.commandCalls(PutDashboardCommand)[0]!.args[0].input.DashboardBody!);
    expect(JSON.stringify(sentOverview)).toContain('["AWS/EC2","CPUUtilization","InstanceId","i-0n1",{"label":"nats-1"}]');
    expect(JSON.stringify(sentOverview)).toContain('["AWS/EC2","CPUUtilization","InstanceId","i-0standby",{"label":"ingestion-2"}]');

    cw.reset();
    ec2.reset();
    cw.on(PutDashboardCommand).resolves({});
    const r = await dsmInProcess('dashboards', 'import', '--env', 'prod', '--no-discover');
    expect(r.code).toBe(0);
    expect(ec2.calls()).toHaveLength(0);
    expect(cw.commandCalls(PutDashboardCommand)[0]!.args[0].input.DashboardBody).toContain('SEARCH(');
  });

  it('reports an EC2 lookup failure on one line', async () => {
    ec2.reset();
    ec2.on(DescribeInstancesCommand).rejects(Object.assign(new Error('not authorized to perform: ec2:DescribeInstances'), { name: 'UnauthorizedOperation', $metadata: { httpStatusCode: 403 } }));
    const r = await dsmInProcess('dashboards', 'import', '--env', 'prod');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('dsm: DescribeInstances (finding the dashboards\' instance ids) failed: UnauthorizedOperation: not authorized to perform: ec2:DescribeInstances (HTTP 403) (pass --no-discover to render without instance ids)\n');
    expect(cw.calls()).toHaveLength(0);
  });

  it('turns AccessDenied into one clear line and exit 1', async () => {
    cw.on(PutDashboardCommand).rejects(accessDenied());
    const r = await dsmInProcess('dashboards', 'import', '--env', 'prod');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('dsm: PutDashboard dsm-prod-overview-imported failed: AccessDenied: User: arn:aws:iam::123456789012:user/ci is not authorized to perform: cloudwatch:PutDashboard (HTTP 403)\n');
    expect(cw.commandCalls(PutDashboardCommand)).toHaveLength(1);
  });

  it('needs a region for an environment without AWS settings (usage error, exit 2)', async () => {
    const r = await dsmInProcess('dashboards', 'import', '--env', 'local');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('dsm: environment "local" has no aws.region; pass --region\n');
  });
});

describe('dsm dashboards diff', () => {
  it('exits 0 when what is deployed equals the code, whatever the key order', async () => {
    for (const d of expected) {
      const reordered = JSON.stringify({ widgets: d.body.widgets, periodOverride: d.body.periodOverride, start: d.body.start });
      cw.on(GetDashboardCommand, { DashboardName: d.name }).resolves({ DashboardName: d.name, DashboardBody: reordered });
    }
    const r = await dsmInProcess('dashboards', 'diff', '--env', 'prod');
    expect(r.stdout).toBe('dsm-prod-overview: same as code\ndsm-prod-exchanges: same as code\n');
    expect(r.code).toBe(0);
    expect(cw.commandCalls(GetDashboardCommand).map((c) => c.args[0].input)).toEqual([{ DashboardName: 'dsm-prod-overview' }, { DashboardName: 'dsm-prod-exchanges' }]);
  });

  it('prints each difference and exits 1; a missing dashboard counts as different', async () => {
    const edited = structuredClone(expected[0]!.body);
    (edited.widgets[1]!.properties as { title: string }).title = 'hand-edited in the console';
    cw.on(GetDashboardCommand, { DashboardName: 'dsm-prod-overview' }).resolves({ DashboardBody: JSON.stringify(edited) });
    cw.on(GetDashboardCommand, { DashboardName: 'dsm-prod-exchanges' }).rejects(new ResourceNotFound({ message: 'Dashboard dsm-prod-exchanges does not exist', $metadata: { httpStatusCode: 404 } }));
    const r = await dsmInProcess('dashboards', 'diff', '--env', 'prod');
    expect(r.code).toBe(1);
    const codeTitle = (expected[0]!.body.widgets[1]!.properties as { title: string }).title;
    expect(r.stdout).toBe(`dsm-prod-overview: 1 difference(s)\n  widgets[1].properties.title: deployed "hand-edited in the console", code ${JSON.stringify(codeTitle)}\ndsm-prod-exchanges: not deployed\n`);
    expect(r.stderr).toBe('dsm: 2 dashboard(s) differ from the code: dsm-prod-overview (different), dsm-prod-exchanges (missing)\n');
  });

  it('finds no drift in what `cdktf deploy` put there (the stack\'s body, instance ids resolved)', async () => {
    const { synthPlatform } = await import('../../stacks/test-configs.js');
    const { resourcesOf } = await import('../../stacks/test-support.js');
    const json = synthPlatform(prod).out.json;
    // What terraform applies: the synthesized body with each instance reference resolved to the id
    // the instance got, the ids discovery finds by tag.
    const ids = Object.fromEntries(resourcesOf(json, 'aws_instance').map(([address, i]) => [address, i.tags['dsm:role'] === 'nats' ? `i-0n${i.tags['dsm:node']}` : i.tags['dsm:standby'] === 'true' ? 'i-0standby' : 'i-0primary']));
    for (const [, d] of resourcesOf(json, 'aws_cloudwatch_dashboard')) {
      const applied = (d.dashboard_body as string).replace(/\$\{aws_instance\.([^.]+)\.id\}/g, (_, a: string) => ids[a]!).replace(/\$\{aws_autoscaling_group\.[^.]+\.name\}/g, 'dsm-prod-subscribers');
      expect(applied).not.toContain('${');
      cw.on(GetDashboardCommand, { DashboardName: d.dashboard_name }).resolves({ DashboardName: d.dashboard_name, DashboardBody: applied });
    }
    const r = await dsmInProcess('dashboards', 'diff', '--env', 'prod');
    expect(r.stdout).toBe('dsm-prod-overview: same as code\ndsm-prod-exchanges: same as code\n');
    expect(r.code).toBe(0);
  });

  it('--imported compares the copies import wrote, not the stack\'s', async () => {
    for (const d of expected) cw.on(GetDashboardCommand, { DashboardName: `${d.name}-imported` }).resolves({ DashboardBody: JSON.stringify(d.body) });
    const r = await dsmInProcess('dashboards', 'diff', '--env', 'prod', '--imported');
    expect(cw.commandCalls(GetDashboardCommand).map((c) => c.args[0].input.DashboardName)).toEqual(['dsm-prod-overview-imported', 'dsm-prod-exchanges-imported']);
    expect(r.stdout).toBe('dsm-prod-overview-imported: same as code\ndsm-prod-exchanges-imported: same as code\n');
    expect(r.code).toBe(0);
  });

  it('reports AWS errors on one line', async () => {
    cw.on(GetDashboardCommand).rejects(accessDenied());
    const r = await dsmInProcess('dashboards', 'diff', '--env', 'prod');
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^dsm: GetDashboard dsm-prod-overview failed: AccessDenied: /);
  });
});
