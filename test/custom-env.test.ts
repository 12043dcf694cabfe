/**
 * A `staging` environment defined in a file outside config/ works for `dsm up`, `render`,
 * `dashboards export` (`--config FILE`) and the stacks' synth (`DSM_CONFIG`), with the same
 * validation and field-naming errors as config/<env>.ts.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findFreePortBlock } from '../services/nats/ports.js';
import { runDsm } from './harness/cli.js';

const ROOT = path.join(import.meta.dirname, '..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'dsm-staging-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The README's example, written outside the repository. */
const stagingTs = path.join(dir, 'staging.ts');
writeFileSync(stagingTs, `import { prodConfig } from '${path.join(ROOT, 'config', 'prod.js')}';
export default {
  ...prodConfig,
  env: 'staging',
  nats: { ...prodConfig.nats, clusterName: 'dsm-staging' },
  aws: { ...prodConfig.aws!, vpcCidr: '10.41.0.0/16',
    subnets: { nats: ['10.41.1.0/24', '10.41.2.0/24', '10.41.3.0/24'], ingestion: '10.41.10.0/24', subscribers: '10.41.20.0/22', endpoints: '10.41.30.0/24' },
    tags: { project: 'dsm', env: 'staging' } },
  autoscaling: { ...prodConfig.autoscaling!, max: 4 },
};
`);

describe('--config FILE (a staging environment outside config/)', () => {
  it('validates and renders it', async () => {
    const cfg = await runDsm(['config', '--config', stagingTs, '--json']);
    expect(cfg.code, cfg.stderr).toBe(0);
    expect(JSON.parse(cfg.stdout)).toMatchObject({ env: 'staging', nats: { clusterName: 'dsm-staging' }, aws: { vpcCidr: '10.41.0.0/16' } });
    const render = await runDsm(['render', 'nats-config', '--node', '2', '--config', stagingTs]);
    expect(render.code, render.stderr).toBe(0);
    expect(render.stdout).toMatch(/cluster dsm-staging \(env staging\)/);
  }, 90_000);

  it('exports its dashboards', async () => {
    const out = path.join(dir, 'dashboards');
    const r = await runDsm(['dashboards', 'export', '--config', stagingTs, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(path.join(out, 'dsm-staging-overview.json'))).toBe(true);
  }, 90_000);

  it('starts its topology on loopback with dsm up (port override) and stops it', async () => {
    const base = await findFreePortBlock(9);
    const state = path.join(dir, 'state');
    const up = await runDsm(['up', '--config', stagingTs, '--ports', String(base), '--dir', state], { timeoutMs: 60_000 });
    try {
      expect(up.code, up.stderr).toBe(0);
      expect(up.stdout).toContain(`cluster dsm-staging ready: tls://127.0.0.1:${base} `);
      const status = await runDsm(['status', '--config', stagingTs, '--dir', state, '--json', '--interval', '100']);
      expect(JSON.parse(status.stdout)).toMatchObject({ cluster: 'dsm-staging', healthy: true });
    } finally {
      const down = await runDsm(['down', '--config', stagingTs, '--dir', state]);
      expect(down.stdout).toMatch(/stopped 3 node/);
    }
  }, 90_000);

  it('synthesizes its stack through DSM_CONFIG', () => {
    const outdir = mkdtempSync(path.join(os.tmpdir(), 'dsm-synth-staging-'));
    try {
      const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_') && k !== 'DSM_ENV'));
      const run = spawnSync(process.execPath, ['--import', 'tsx', 'stacks/main.ts'], { cwd: ROOT, encoding: 'utf8', env: { ...clean, CDKTF_OUTDIR: outdir, DSM_CONFIG: stagingTs } });
      expect(run.status, run.stderr).toBe(0);
      const json = JSON.parse(readFileSync(path.join(outdir, 'stacks', 'dsm-staging', 'cdk.tf.json'), 'utf8'));
      expect(JSON.stringify(json.resource.aws_vpc)).toContain('10.41.0.0/16');
    } finally { rmSync(outdir, { recursive: true, force: true }); }
  }, 120_000);

  it('rejects bad files, contradictions and bad port overrides with one line per problem, exit 2', async () => {
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ env: 'staging', nats: { clusterName: 'x', nodes: 'three', placement: 'loopback', ports: { client: 1, cluster: 2, monitor: 3 }, dnsZone: 'z' }, identities: [], exchanges: [] }));
    const r = await runDsm(['config', '--config', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^dsm: config staging: nats\.nodes: .*got "three"$/m);
    const notJson = path.join(dir, 'broken.json');
    writeFileSync(notJson, '{ "env": ');
    expect((await runDsm(['config', '--config', notJson])).stderr).toMatch(/not valid JSON/);
    expect((await runDsm(['config', '--config', path.join(dir, 'missing.json')])).code).toBe(2);
    const clash = await runDsm(['config', '--config', stagingTs, '--env', 'prod']);
    expect(clash.code).toBe(2);
    expect(clash.stderr).toMatch(/--env prod contradicts --config/);
    const overlap = await runDsm(['render', 'nats-config', '--node', '1', '--ports', '20000,20001,20002']);
    expect(overlap.code).toBe(2);
    expect(overlap.stderr).toMatch(/nats\.ports: loopback nodes use 3 consecutive ports/);
    expect((await runDsm(['render', 'nats-config', '--node', '1', '--ports', 'abc'])).code).toBe(2);
  }, 180_000);
});
