/**
 * `make bundle`: what the AMI installs must run on its own. Statically, every import reachable
 * from the bundled folders stays inside them or names a production dependency (the bundle is
 * installed with --omit=dev). For real, the script builds a tarball for the other CPU than this
 * one, and the unpacked `dsm` runs the boot-time render.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../config/load.js';
import { renderNatsConfig } from '../services/nats/render.js';
import { SCRIPTS_DIR, sha256, tempDir } from './testing.js';

const REPO = path.resolve(SCRIPTS_DIR, '../..');
/** The folders make-bundle.sh copies; keep in step with the script. */
const BUNDLED = ['config', 'services', 'cli', 'dashboards'];

/** The module file an import specifier names (TypeScript sources are imported as .js). */
function resolveModule(from: string, spec: string): string | undefined {
  const base = path.resolve(path.dirname(from), spec);
  for (const candidate of [base, base.replace(/\.js$/, '.ts'), base.replace(/\.mjs$/, '.mts'), `${base}.ts`, path.join(base, 'index.ts')]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}

/**
 * Runtime imports of a module. Type-only imports are erased and do not count. Dynamic imports
 * are loaded only when their command runs (a developer command such as `dsm bench` may reach
 * outside the bundle that way), so they are followed but not required to resolve in the bundle.
 */
function runtimeImports(text: string): Array<{ spec: string; dynamic: boolean }> {
  const specs: Array<{ spec: string; dynamic: boolean }> = [];
  for (const m of text.matchAll(/^\s*(import|export)\s+(?!type\s)(?:[^'";]*?\sfrom\s*)?['"]([^'"]+)['"]/gm)) specs.push({ spec: m[2]!, dynamic: false });
  for (const m of text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) specs.push({ spec: m[1]!, dynamic: true });
  return specs;
}

describe('bundle contents (static)', () => {
  it('gives dsm everything it loads: no import leaves the bundled folders or needs a devDependency', () => {
    const pkg = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const prodDeps = new Set(Object.keys(pkg.dependencies));
    const problems: string[] = [];
    // Every module the CLI can load (services run as `dsm <command>`), followed from its entry.
    const seen = new Set<string>();
    const queue = [path.join(REPO, 'cli/bin/dsm.js'), path.join(REPO, 'cli/main.ts')];
    while (queue.length) {
      const file = queue.pop()!;
      if (seen.has(file)) continue;
      seen.add(file);
      const rel = path.relative(REPO, file);
      for (const { spec, dynamic } of runtimeImports(readFileSync(file, 'utf8'))) {
        if (spec.startsWith('node:')) continue;
        if (spec.startsWith('.')) {
          const target = resolveModule(file, spec);
          const targetRel = target ? path.relative(REPO, target) : `${spec} (unresolved)`;
          const inBundle = BUNDLED.some((d) => targetRel.startsWith(`${d}/`));
          if (dynamic && !inBundle) continue;
          if (!target) problems.push(`${rel} imports ${spec}, which does not exist`);
          else if (!inBundle) problems.push(`${rel} imports ${targetRel}, outside the bundle (${BUNDLED.join(', ')}): on a host every dsm command would fail to start; import it lazily (await import) where it is used, or move it into a bundled folder`);
          else queue.push(target);
        } else {
          const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
          if (!prodDeps.has(name) && !dynamic) problems.push(`${rel} imports ${spec}: not a production dependency, absent on hosts (npm ci --omit=dev); import it lazily where it is used, or make it a dependency`);
        }
      }
    }
    expect(seen.size).toBeGreaterThan(10);
    expect(problems).toEqual([]);
  });
});

const hostArch = process.arch === 'arm64' ? 'arm64' : 'x86_64';
const otherArch = hostArch === 'arm64' ? 'x86_64' : 'arm64';
const esbuildDir = (arch: string) => `@esbuild/linux-${arch === 'arm64' ? 'arm64' : 'x64'}`;

function makeBundle(arch: string, dist: string) {
  return spawnSync('bash', [path.join(SCRIPTS_DIR, 'make-bundle.sh')], {
    cwd: REPO, encoding: 'utf8', env: { ...process.env, DSM_ARCH: arch, DSM_DIST: dist, DSM_VERSION: '9.9.9-test', DSM_GIT_REVISION: 'feedc0ffee12' },
  });
}

function unpack(tarball: string): string {
  const dir = tempDir('bundle-x');
  const r = spawnSync('tar', ['-xzf', tarball, '-C', dir]);
  expect(r.status).toBe(0);
  return path.join(dir, 'dsm');
}

describe('make-bundle.sh', () => {
  // One real build (npm ci + tar take a while on a shared machine), for the other CPU than this
  // one: that is the case that breaks when native parts are installed for the build machine.
  it(`builds for ${otherArch} from this ${hostArch} machine; unpacked, dsm renders a node config as the repository does`, () => {
    const dist = tempDir('dist');
    const r = makeBundle(otherArch, dist);
    expect(r.status, r.stderr).toBe(0);
    const base = `dsm-9.9.9-test-${otherArch}`;
    const manifest = JSON.parse(readFileSync(path.join(dist, `${base}.json`), 'utf8'));
    expect(manifest).toEqual({ version: '9.9.9-test', revision: 'feedc0ffee12', arch: otherArch, bundle: `${base}.tgz`, sha256: sha256(path.join(dist, `${base}.tgz`)) });

    const root = unpack(path.join(dist, `${base}.tgz`));
    expect(existsSync(path.join(root, 'node_modules', esbuildDir(otherArch)))).toBe(true);
    expect(existsSync(path.join(root, 'node_modules', esbuildDir(hostArch)))).toBe(false);
    for (const f of ['package.json', 'package-lock.json', 'cli/bin/dsm.js', 'config/prod.ts', 'host/prod/host.env', 'host/prod/systemd/nats-server.service', 'host/local/systemd/dsm-ingest.service', 'node_modules/tsx/package.json']) {
      expect(existsSync(path.join(root, f)), f).toBe(true);
    }
    expect(readFileSync(path.join(root, 'ARCH'), 'utf8').trim()).toBe(otherArch);
    expect(readFileSync(path.join(root, 'VERSION'), 'utf8').trim()).toBe('9.9.9-test');
    expect(readFileSync(path.join(root, 'REVISION'), 'utf8').trim()).toBe('feedc0ffee12');
    const tests = spawnSync('find', [root, '-path', `${root}/node_modules`, '-prune', '-o', '-name', '*.test.ts', '-print'], { encoding: 'utf8' });
    expect(tests.stdout).toBe('');
    // Dev-only packages stay behind.
    expect(existsSync(path.join(root, 'node_modules/vitest'))).toBe(false);

    // To run it here, give it this machine's esbuild binary package (test only; a host has its own).
    cpSync(path.join(REPO, 'node_modules', esbuildDir(hostArch)), path.join(root, 'node_modules', esbuildDir(hostArch)), { recursive: true });
    // Run from a directory outside the repository, as systemd would run it on a host.
    const tls = '/etc/nats/tls';
    const run = spawnSync(process.execPath, [path.join(root, 'cli/bin/dsm.js'), 'render', 'nats-config', '--env', 'prod', '--node', '2', '--tls-dir', tls], { cwd: tempDir('cwd'), encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toBe(renderNatsConfig(loadConfig('prod'), 2, { tlsDir: tls }));
  }, 300_000);

  it('rejects an unknown architecture', () => {
    const r = spawnSync('bash', [path.join(SCRIPTS_DIR, 'make-bundle.sh')], { cwd: REPO, encoding: 'utf8', env: { ...process.env, DSM_ARCH: 'sparc' } });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('make-bundle: DSM_ARCH must be arm64 or x86_64, got "sparc"');
  });
});
