import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CloudWatchClient, GetDashboardCommand, PutDashboardCommand, ResourceNotFound } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { loadConfig } from '../../config/load.js';
import { renderDashboards } from '../../dashboards/index.js';
import { validateDashboardBody } from '../../dashboards/validate.js';
import { dsmInProcess } from './capture.js';

const cw = mockClient(CloudWatchClient);
const prod = loadConfig('prod');
const expected = renderDashboards(prod);

function accessDenied(): Error {
  return Object.assign(new Error('User: arn:aws:iam::123456789012:user/ci is not authorized to perform: cloudwatch:PutDashboard'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
}

beforeEach(() => cw.reset());

describe('dsm dashboards export', () => {
  let dir: string;
  beforeAll(async () => (dir = await mkdtemp(path.join(os.tmpdir(), 'dsm-dash-'))));
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('writes one valid JSON body per dashboard', async () => {
    const r = await dsmInProcess('dashboards', 'export', '--env', 'prod', '--out', dir);
    expect(r.code).toBe(0);
    expect((await readdir(dir)).sort()).toEqual(['dsm-prod-exchanges.json', 'dsm-prod-overview.json']);
    const body = JSON.parse(await readFile(path.join(dir, 'dsm-prod-overview.json'), 'utf8'));
    expect(body).toEqual(expected[0]!.body);
    expect(validateDashboardBody(body, 'DSM')).toEqual([]);
    expect(r.stdout).toContain(`wrote ${path.join(dir, 'dsm-prod-overview.json')}`);
    expect(cw.calls()).toHaveLength(0);
  });
});

describe('dsm dashboards import', () => {
  it('calls PutDashboard with each name and JSON body', async () => {
    cw.on(PutDashboardCommand).resolves({ DashboardValidationMessages: [] });
    const r = await dsmInProcess('dashboards', 'import', '--env', 'prod');
    expect(r.code).toBe(0);
    const calls = cw.commandCalls(PutDashboardCommand);
    expect(calls.map((c) => c.args[0].input)).toEqual(expected.map((d) => ({ DashboardName: d.name, DashboardBody: JSON.stringify(d.body) })));
    expect(r.stdout).toBe('PutDashboard dsm-prod-overview: ok\nPutDashboard dsm-prod-exchanges: ok\n');
  });

  it('--dry-run prints the calls and makes none', async () => {
    const r = await dsmInProcess('dashboards', 'import', '--env', 'prod', '--dry-run');
    expect(r.code).toBe(0);
    expect(cw.calls()).toHaveLength(0);
    const bytes = JSON.stringify(expected[0]!.body).length;
    expect(r.stdout).toContain(`would call PutDashboard DashboardName=dsm-prod-overview DashboardBody=<${bytes} bytes, ${expected[0]!.body.widgets.length} widgets>`);
    expect(r.stdout).toContain('would call PutDashboard DashboardName=dsm-prod-exchanges');
  });

  it('reports the validation messages AWS returns and exits 1', async () => {
    cw.on(PutDashboardCommand, { DashboardName: 'dsm-prod-overview' }).resolves({
      DashboardValidationMessages: [{ DataPath: '/widgets/3/properties/metrics/0', Message: 'The metric is not valid' }],
    });
    cw.on(PutDashboardCommand, { DashboardName: 'dsm-prod-exchanges' }).resolves({});
    const r = await dsmInProcess('dashboards', 'import', '--env', 'prod');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('PutDashboard dsm-prod-overview: ok with 1 validation message(s)\n  dsm-prod-overview /widgets/3/properties/metrics/0: The metric is not valid\n');
    expect(r.stderr).toBe('dsm: CloudWatch reported validation messages for dsm-prod-overview\n');
  });

  it('turns AccessDenied into one clear line and exit 1', async () => {
    cw.on(PutDashboardCommand).rejects(accessDenied());
    const r = await dsmInProcess('dashboards', 'import', '--env', 'prod');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('dsm: PutDashboard dsm-prod-overview failed: AccessDenied: User: arn:aws:iam::123456789012:user/ci is not authorized to perform: cloudwatch:PutDashboard (HTTP 403)\n');
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

  it('reports AWS errors on one line', async () => {
    cw.on(GetDashboardCommand).rejects(accessDenied());
    const r = await dsmInProcess('dashboards', 'diff', '--env', 'prod');
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^dsm: GetDashboard dsm-prod-overview failed: AccessDenied: /);
  });
});
