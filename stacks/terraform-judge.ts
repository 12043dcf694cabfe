/**
 * Real terraform as the judge of the synthesized stack, offline: `terraform init` from a local
 * provider directory (never the registry), then `validate` and `test`. The stack pins the aws
 * provider 6.x; the machine's mirror may hold another version (5.100.0 here), so the copy under
 * test has its required_providers rewritten to the mirror's version: the schema it is checked
 * against is the one terraform can load here. Test support only: nothing in the stack imports it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';

const PROVIDER = path.join('registry.terraform.io', 'hashicorp', 'aws');

/** Where plugin mirrors usually live (`-plugin-dir` layout: <dir>/registry.terraform.io/hashicorp/aws/<version>/<os_arch>). */
const MIRROR_CANDIDATES = ['/opt/tf-plugins', '/usr/local/share/terraform/plugins', '/usr/share/terraform/plugins', path.join(homedir(), '.terraform.d', 'plugins')];

export interface TerraformJudge {
  bin: string;
  pluginDir: string;
  providerVersion: string;
}

export type JudgeLookup = { ok: true; judge: TerraformJudge } | { ok: false; why: string };

function onPath(name: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

/** terraform on PATH and an aws provider mirror (TF_PLUGIN_DIR overrides the usual places). */
export function findJudge(env: NodeJS.ProcessEnv = process.env): JudgeLookup {
  const bin = env.TERRAFORM_BIN ?? onPath('terraform');
  if (!bin) return { ok: false, why: 'terraform is not on PATH' };
  const candidates = env.TF_PLUGIN_DIR ? [env.TF_PLUGIN_DIR] : MIRROR_CANDIDATES;
  const pluginDir = candidates.find((d) => existsSync(path.join(d, PROVIDER)));
  if (!pluginDir) return { ok: false, why: `no hashicorp/aws provider under ${candidates.join(', ')} (set TF_PLUGIN_DIR to a -plugin-dir mirror)` };
  const versions = readdirSync(path.join(pluginDir, PROVIDER)).filter((v) => /^\d+\.\d+\.\d+$/.test(v)).sort(compareVersions);
  const providerVersion = versions.at(-1);
  if (!providerVersion) return { ok: false, why: `${path.join(pluginDir, PROVIDER)} holds no provider version` };
  return { ok: true, judge: { bin, pluginDir, providerVersion } };
}

// Synthesized JSON is untyped by nature.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

/** The stack as terraform here can load it: the mirror's provider version, no backend (nothing is applied). */
export function forJudge(stack: Json, providerVersion: string): Json {
  const copy = structuredClone(stack);
  copy.terraform = { ...copy.terraform, required_providers: { aws: { source: 'hashicorp/aws', version: providerVersion } } };
  delete copy.terraform.backend;
  return copy;
}

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** A working directory initialised once from the mirror; each check writes its main.tf.json into it. */
export class TerraformWorkdir {
  readonly dir = mkdtempSync(path.join(tmpdir(), 'dsm-tf-'));

  constructor(readonly judge: TerraformJudge) {}

  private run(args: string[], timeoutMs = 120_000): RunResult {
    const r = spawnSync(this.judge.bin, args, {
      cwd: this.dir, encoding: 'utf8', timeout: timeoutMs,
      // No user CLI config, no checkpoint calls, no credentials: everything here is offline.
      env: {
        PATH: process.env.PATH, HOME: this.dir, TF_CLI_CONFIG_FILE: '/dev/null', CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1',
        AWS_SHARED_CREDENTIALS_FILE: '/nonexistent', AWS_CONFIG_FILE: '/nonexistent', AWS_EC2_METADATA_DISABLED: 'true',
      },
    });
    if (r.error) throw r.error;
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  write(stack: Json): void {
    writeFileSync(path.join(this.dir, 'main.tf.json'), JSON.stringify(forJudge(stack, this.judge.providerVersion)));
  }

  init(stack: Json): RunResult {
    this.write(stack);
    const r = this.run(['init', '-backend=false', '-input=false', '-no-color', `-plugin-dir=${this.judge.pluginDir}`]);
    if (r.status !== 0) throw new Error(`terraform init from ${this.judge.pluginDir} failed:\n${r.stdout}\n${r.stderr}`);
    return r;
  }

  /** `terraform validate -json` on this stack: the diagnostics, errors first. */
  validate(stack: Json): { errors: string[]; warnings: string[] } {
    this.write(stack);
    const r = this.run(['validate', '-json', '-no-color']);
    const out = JSON.parse(r.stdout) as { diagnostics: Array<{ severity: string; summary: string; detail?: string; address?: string }> };
    const text = (d: { summary: string; detail?: string; address?: string }) => `${d.address ? `${d.address}: ` : ''}${d.summary}${d.detail ? ` (${d.detail.split('\n')[0]})` : ''}`;
    return {
      errors: out.diagnostics.filter((d) => d.severity === 'error').map(text),
      warnings: out.diagnostics.filter((d) => d.severity === 'warning').map(text),
    };
  }

  /** `terraform test` with the given .tftest.hcl files copied into tests/. */
  test(stack: Json, testFiles: Record<string, string>): RunResult {
    this.write(stack);
    const tests = path.join(this.dir, 'tests');
    rmSync(tests, { recursive: true, force: true });
    mkdirSync(tests);
    for (const [name, text] of Object.entries(testFiles)) writeFileSync(path.join(tests, name), text);
    return this.run(['test', '-no-color'], 300_000);
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
