import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Runs the real app entry as `make synth` does, into a temp outdir, with no AWS credentials. */
function synth(env: Record<string, string>) {
  const outdir = mkdtempSync(path.join(tmpdir(), 'dsm-synth-'));
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_')));
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'stacks/main.ts'], {
    encoding: 'utf8', env: { ...clean, CDKTF_OUTDIR: outdir, AWS_SHARED_CREDENTIALS_FILE: '/nonexistent', AWS_CONFIG_FILE: '/nonexistent', ...env },
  });
  return { outdir, status: run.status, stderr: run.stderr };
}

describe('cdktf.json', () => {
  it('runs the same app as make synth, with prebuilt providers only', () => {
    const cdktf = JSON.parse(readFileSync('cdktf.json', 'utf8'));
    expect(cdktf).toMatchObject({ language: 'typescript', app: 'npx tsx stacks/main.ts', terraformProviders: [], terraformModules: [] });
    expect(readFileSync('Makefile', 'utf8')).toMatch(/^synth:.*\n\tnpx tsx stacks\/main\.ts$/m);
  });
});

describe('npx cdktf synth (cdktf-cli pinned as a dev dependency)', () => {
  it('synthesizes the same stack as make synth, with no AWS credentials', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
    expect(pkg.devDependencies['cdktf-cli']).toMatch(/^0\.21\.\d+$/);
    const outdir = mkdtempSync(path.join(tmpdir(), 'dsm-cdktf-'));
    try {
      const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_')));
      const run = spawnSync('npx', ['--no-install', 'cdktf', 'synth', '--output', outdir], {
        encoding: 'utf8', timeout: 240_000,
        env: { ...clean, CHECKPOINT_DISABLE: '1', CI: 'true', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent', AWS_CONFIG_FILE: '/nonexistent' },
      });
      expect(run.status, run.stdout + run.stderr).toBe(0);
      const json = JSON.parse(readFileSync(path.join(outdir, 'stacks', 'dsm-prod', 'cdk.tf.json'), 'utf8'));
      expect(Object.keys(json.resource.aws_instance)).toHaveLength(5);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  }, 300_000);
});

describe('stacks/main.ts', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('synthesizes prod by default into stacks/dsm-prod/cdk.tf.json', () => {
    const { outdir, status, stderr } = synth({});
    dirs.push(outdir);
    expect(status, stderr).toBe(0);
    const file = path.join(outdir, 'stacks', 'dsm-prod', 'cdk.tf.json');
    expect(existsSync(file)).toBe(true);
    const json = JSON.parse(readFileSync(file, 'utf8'));
    expect(json.provider.aws[0].region).toBe('us-east-1');
    expect(Object.keys(json.resource.aws_instance)).toHaveLength(5);
    expect(JSON.parse(readFileSync(path.join(outdir, 'manifest.json'), 'utf8')).stacks['dsm-prod'].synthesizedStackPath).toBe('stacks/dsm-prod/cdk.tf.json');
    // Plain Terraform JSON ("//" is Terraform's comment key): terraform/OpenTofu can apply it without cdktf.
    expect(Object.keys(json).sort()).toEqual(['//', 'data', 'output', 'provider', 'resource', 'terraform']);
    expect(json.terraform.required_providers.aws).toEqual({ source: 'aws', version: '6.25.0' });
  });

  it('exits 2 naming the fields when the environment cannot be deployed', () => {
    const { outdir, status, stderr } = synth({ DSM_ENV: 'local' });
    dirs.push(outdir);
    expect(status).toBe(2);
    expect(stderr.trim().split('\n')).toEqual([
      'config local: aws: required to build the AWS stacks; environment "local" has none',
      'config local: nats.placement: must be private-ip for AWS, got "loopback"',
    ]);
  });
});
