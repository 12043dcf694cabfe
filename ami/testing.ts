/**
 * Helpers for the AMI tests: fake release tarballs and bundles, running a provisioning script
 * into a temp root, and a hash of a whole tree (paths, types, modes, contents, link targets).
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writeHostFiles } from './render-host.js';

export const AMI_DIR = path.dirname(new URL(import.meta.url).pathname);
export const SCRIPTS_DIR = path.join(AMI_DIR, 'scripts');
/** Provisioning scripts in the order the Packer template runs them. */
export const PROVISION_ORDER = ['install-nats.sh', 'install-dsm.sh', 'install-units.sh', 'tune-kernel.sh', 'configure-time.sh', 'install-log-shipping.sh'] as const;

export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(tmpdir(), `dsm-ami-${prefix}-`));
}

export function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

function tar(cwd: string, out: string, entry: string): void {
  const r = spawnSync('tar', ['--sort=name', '--owner=0', '--group=0', '-czf', out, entry], { cwd });
  if (r.status !== 0) throw new Error(`tar failed: ${r.stderr}`);
}

/** A release-shaped tarball (nats-server-v<ver>-linux-<arch>/nats-server) holding a tiny script. */
export function fakeNatsTarball(dir: string, natsArch: 'arm64' | 'amd64', version = '2.10.29'): { file: string; sha256: string } {
  const name = `nats-server-v${version}-linux-${natsArch}`;
  mkdirSync(path.join(dir, name), { recursive: true });
  const bin = path.join(dir, name, 'nats-server');
  writeFileSync(bin, `#!/bin/sh\necho "nats-server: v${version} (fake for tests)"\n`);
  chmodSync(bin, 0o755);
  const file = path.join(dir, `${name}.tar.gz`);
  tar(dir, file, name);
  return { file, sha256: sha256(file) };
}

/** A bundle-shaped tarball: a stub CLI plus the real host files rendered from every environment. */
export function fakeBundle(dir: string): string {
  const root = path.join(dir, 'dsm');
  mkdirSync(path.join(root, 'cli', 'bin'), { recursive: true });
  writeFileSync(path.join(root, 'cli', 'bin', 'dsm.js'), 'console.log("dsm (stub)", process.argv.slice(2).join(" "));\n');
  writeFileSync(path.join(root, 'VERSION'), '0.0.0-test\n');
  writeFileSync(path.join(root, 'REVISION'), 'abc123def456\n');
  writeFileSync(path.join(root, 'ARCH'), 'x86_64\n');
  for (const env of ['local', 'prod']) writeHostFiles(env, path.join(root, 'host'));
  const file = path.join(dir, 'dsm-0.0.0-test-x86_64.tgz');
  tar(dir, file, 'dsm');
  return file;
}

export interface ProvisionInputs {
  root: string;
  hostLog: string;
  natsTarball: string;
  natsSha256?: string;
  bundle: string;
  env?: Record<string, string>;
}

export function runScript(script: string, inputs: ProvisionInputs): SpawnSyncReturns<string> {
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    DSM_ROOT: inputs.root,
    DSM_HOST_LOG: inputs.hostLog,
    DSM_ARCH: 'x86_64',
    DSM_ENV: 'prod',
    DSM_BUNDLE: inputs.bundle,
    DSM_NODE_BIN: process.execPath,
    NATS_TARBALL: inputs.natsTarball,
    ...(inputs.natsSha256 ? { NATS_SHA256: inputs.natsSha256 } : {}),
    ...inputs.env,
  };
  return spawnSync('bash', [path.join(SCRIPTS_DIR, script)], { env, encoding: 'utf8' });
}

/** Every provisioning script in order; throws with the failing script's stderr. */
export function provisionAll(inputs: ProvisionInputs): void {
  for (const script of PROVISION_ORDER) {
    const r = runScript(script, inputs);
    if (r.status !== 0) throw new Error(`${script} exited ${r.status}: ${r.stderr}`);
  }
}

export interface TreeEntry { path: string; type: 'dir' | 'file' | 'link'; mode: string; content: string }

export function listTree(root: string): TreeEntry[] {
  const out: TreeEntry[] = [];
  const walk = (rel: string): void => {
    for (const name of readdirSync(path.join(root, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const abs = path.join(root, r);
      const st = lstatSync(abs);
      const mode = (st.mode & 0o7777).toString(8).padStart(4, '0');
      if (st.isSymbolicLink()) out.push({ path: r, type: 'link', mode, content: readlinkSync(abs) });
      else if (st.isDirectory()) {
        out.push({ path: r, type: 'dir', mode, content: '' });
        walk(r);
      } else out.push({ path: r, type: 'file', mode, content: sha256(abs) });
    }
  };
  walk('');
  return out;
}

export function treeHash(root: string): string {
  return createHash('sha256').update(JSON.stringify(listTree(root))).digest('hex');
}
