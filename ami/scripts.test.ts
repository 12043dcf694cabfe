/**
 * The provisioning scripts, run for real into temp roots: shellcheck-clean, the files and modes
 * they produce, the units they install, idempotence, and the nats-server checksum pin.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, readlinkSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../config/load.js';
import { PROVISION_ORDER, SCRIPTS_DIR, fakeBundle, fakeNatsTarball, listTree, provisionAll, runScript, tempDir, treeHash, type ProvisionInputs } from './testing.js';

const shellScripts = readdirSync(SCRIPTS_DIR).filter((f) => f.endsWith('.sh'));

describe('shellcheck', () => {
  it.each(shellScripts)('%s is clean at every severity', (script) => {
    const r = spawnSync('shellcheck', ['--external-sources', '--severity=style', path.join(SCRIPTS_DIR, script)], { encoding: 'utf8' });
    expect(r.error, 'shellcheck must be installed (make deps installs it)').toBeUndefined();
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it.each(shellScripts.filter((s) => s !== 'lib.sh'))('%s runs with set -euo pipefail', (script) => {
    const text = readFileSync(path.join(SCRIPTS_DIR, script), 'utf8');
    // Either directly or through lib.sh, which sets it first thing.
    expect(/^set -euo pipefail$/m.test(text) || /^source "\$\(dirname "\$\{BASH_SOURCE\[0\]\}"\)\/lib\.sh"$/m.test(text)).toBe(true);
  });
});

describe('provisioning into a temp root', () => {
  const work = tempDir('provision');
  const nats = fakeNatsTarball(path.join(work, 'nats'), 'amd64');
  mkdirSync(path.join(work, 'bundle'));
  const bundle = fakeBundle(path.join(work, 'bundle'));
  const inputs: ProvisionInputs = { root: path.join(work, 'root'), hostLog: path.join(work, 'host.log'), natsTarball: nats.file, natsSha256: nats.sha256, bundle };
  const prod = loadConfig('prod');
  const at = (p: string) => path.join(inputs.root, p);
  const mode = (p: string) => (statSync(at(p)).mode & 0o7777).toString(8).padStart(4, '0');

  beforeAll(() => provisionAll(inputs));

  it('installs every file with the mode it needs', () => {
    const expected: Record<string, string> = {
      'usr/local/bin/nats-server': '0755',
      'usr/local/bin/dsm': '0755',
      'usr/local/sbin/dsm-host-tune': '0755',
      'etc/nats': '2750',
      'etc/nats/tls': '2750',
      'etc/dsm/tls': '0750',
      'etc/dsm/dsm.env': '0644',
      'etc/dsm/host.env': '0644',
      'etc/sysctl.d/90-dsm.conf': '0644',
      'etc/security/limits.d/90-dsm.conf': '0644',
      'etc/tmpfiles.d/dsm-thp.conf': '0644',
      'etc/chrony.conf': '0644',
      'etc/modprobe.d/dsm-ena.conf': '0644',
      'etc/systemd/system/nats-server.service': '0644',
      'etc/systemd/system/dsm-ingest.service': '0644',
      'etc/systemd/system/dsm-subscriber.service': '0644',
      'etc/systemd/system/dsm-metrics.service': '0644',
      'etc/systemd/system/dsm-cpu-tune.service': '0644',
      'etc/systemd/system/dsm-time-source.service': '0644',
      'opt/dsm/cli/bin/dsm.js': '0644',
      'etc/rsyslog.d/30-dsm.conf': '0644',
      'etc/logrotate.d/dsm': '0644',
      'var/log/dsm': '0750',
    };
    const actual = Object.fromEntries(Object.keys(expected).map((p) => [p, existsSync(at(p)) ? mode(p) : 'missing']));
    expect(actual).toEqual(expected);
    // Nothing baked is writable by group or others, and no private key is baked at all.
    const loose = listTree(inputs.root).filter((e) => e.type !== 'link' && (parseInt(e.mode, 8) & 0o022) !== 0);
    expect(loose.map((e) => e.path)).toEqual([]);
    expect(listTree(inputs.root).filter((e) => e.path.endsWith('.key'))).toEqual([]);
  });

  it('installs the pinned nats-server binary from the verified tarball', () => {
    const r = spawnSync(at('usr/local/bin/nats-server'), ['--version'], { encoding: 'utf8' });
    expect(r.stdout.trim()).toBe('nats-server: v2.10.29 (fake for tests)');
  });

  it('puts a dsm wrapper on PATH that runs the bundle with the configured Node', () => {
    const wrapper = readFileSync(at('usr/local/bin/dsm'), 'utf8');
    expect(wrapper).toContain(`exec ${process.execPath} /opt/dsm/cli/bin/dsm.js "$@"`);
    expect(readFileSync(at('opt/dsm/VERSION'), 'utf8').trim()).toBe('0.0.0-test');
    expect(readFileSync(at('etc/dsm/dsm.env'), 'utf8')).toMatch(/^DSM_ENV=prod$/m);
  });

  it('renders units whose CPU affinity, limits and hardening come from the prod config', () => {
    const unit = (name: string) => readFileSync(at(`etc/systemd/system/${name}`), 'utf8');
    const a = prod.host.cpuAffinity;
    const cases: Array<[string, string, string]> = [
      ['nats-server.service', a.nats, 'nats'],
      ['dsm-ingest.service', a.ingest, 'dsm'],
      ['dsm-subscriber.service', a.subscriber, 'dsm'],
      ['dsm-metrics.service', a.metrics, 'dsm'],
    ];
    for (const [name, cpus, user] of cases) {
      const text = unit(name);
      expect(text, name).toMatch(new RegExp(`^CPUAffinity=${cpus}$`, 'm'));
      expect(text, name).toMatch(new RegExp(`^User=${user}$`, 'm'));
      expect(text, name).toMatch(new RegExp(`^LimitNOFILE=${prod.host.nofile}$`, 'm'));
      for (const line of ['Restart=always', 'NoNewPrivileges=yes', 'ProtectSystem=strict', 'PrivateTmp=yes', 'ProtectHome=yes', 'EnvironmentFile=/etc/dsm/dsm.env']) {
        expect(text, `${name}: ${line}`).toMatch(new RegExp(`^${line}$`, 'm'));
      }
    }
    expect(unit('nats-server.service')).toContain(
      'ExecStartPre=+/usr/local/bin/dsm render nats-config --env ${DSM_ENV} --node ${DSM_NODE} --tls-dir /etc/nats/tls --out /etc/nats/nats-server.conf',
    );
    expect(unit('dsm-ingest.service')).toMatch(/^ExecStart=\/usr\/local\/bin\/dsm ingest --env \$\{DSM_ENV\} \$DSM_INGEST_ARGS$/m);
  });

  it('enables the boot-time tuning units, masks irqbalance, and leaves service units to user data', () => {
    const wants = at('etc/systemd/system/multi-user.target.wants');
    expect(readdirSync(wants).sort()).toEqual(['dsm-cpu-tune.service', 'dsm-time-source.service']);
    expect(readlinkSync(at('etc/systemd/system/irqbalance.service'))).toBe('/dev/null');
  });

  it('routes every live-system command through run_host instead of running it', () => {
    const log = readFileSync(inputs.hostLog, 'utf8');
    for (const cmd of ['dnf install -y nodejs20', 'dnf install -y chrony', 'useradd --system', 'sysctl --system', 'systemd-tmpfiles --create /etc/tmpfiles.d/dsm-thp.conf', 'chown root:nats /etc/nats', 'systemctl daemon-reload',
      'dnf install -y amazon-cloudwatch-agent rsyslog', 'systemctl enable rsyslog.service']) {
      expect(log, cmd).toContain(cmd);
    }
    expect(log).toMatch(/useradd .* nats$/m);
    expect(log).toMatch(/useradd .* dsm$/m);
    // Cores are not isolated in prod (host.isolateServiceCores is off): no boot arguments.
    expect(log).not.toContain('grubby');
  });

  it('writes nofile limits from config for both service users', () => {
    const limits = readFileSync(at('etc/security/limits.d/90-dsm.conf'), 'utf8');
    for (const user of ['dsm', 'nats']) for (const kind of ['soft', 'hard']) {
      expect(limits).toMatch(new RegExp(`^${user}\\s+${kind}\\s+nofile\\s+${prod.host.nofile}$`, 'm'));
    }
  });

  it('gives the same tree when every script runs again (idempotent)', () => {
    const before = listTree(inputs.root);
    const hashBefore = treeHash(inputs.root);
    provisionAll(inputs);
    // The listing first, so a failure names the path that changed; then the hash of it all.
    expect(listTree(inputs.root)).toEqual(before);
    expect(treeHash(inputs.root)).toBe(hashBefore);
    expect(before.length).toBeGreaterThan(50);
  });

  it('gives the same tree from a fresh root (deterministic)', () => {
    const other = { ...inputs, root: path.join(work, 'root2'), hostLog: path.join(work, 'host2.log') };
    provisionAll(other);
    expect(treeHash(other.root)).toBe(treeHash(inputs.root));
  });
});

describe('nats-server checksum pin', () => {
  const work = tempDir('checksum');
  const arm = fakeNatsTarball(path.join(work, 'nats'), 'arm64');

  it('refuses a tarball whose SHA-256 is not the expected one, and installs nothing', () => {
    const root = path.join(work, 'root-wrong');
    const r = runScript('install-nats.sh', { root, hostLog: path.join(work, 'log'), natsTarball: arm.file, natsSha256: '0'.repeat(64), bundle: '', env: { DSM_ARCH: 'arm64' } });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(`checksum mismatch for nats-server-v2.10.29-linux-arm64.tar.gz: expected ${'0'.repeat(64)}, got ${arm.sha256}`);
    expect(existsSync(path.join(root, 'usr/local/bin/nats-server'))).toBe(false);
  });

  it('checks against the pinned release sum when no override is given', () => {
    const r = runScript('install-nats.sh', { root: path.join(work, 'root-pinned'), hostLog: path.join(work, 'log'), natsTarball: arm.file, bundle: '', env: { DSM_ARCH: 'arm64' } });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('expected da4b27942ecfb4c5f0c54553d2e7f470ddda9d7581cfe8131b351a0e223ed401');
  });

  it('names an unsupported architecture', () => {
    const r = runScript('install-nats.sh', { root: path.join(work, 'root-arch'), hostLog: path.join(work, 'log'), natsTarball: arm.file, bundle: '', env: { DSM_ARCH: 'riscv64' } });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('unsupported architecture "riscv64" (arm64 or x86_64)');
  });
});

describe('install-dsm input checks', () => {
  const work = tempDir('dsm-inputs');
  mkdirSync(path.join(work, 'bundle'));
  const bundle = fakeBundle(path.join(work, 'bundle'));

  it('refuses an environment the bundle has no host files for', () => {
    const r = runScript('install-dsm.sh', { root: path.join(work, 'root'), hostLog: path.join(work, 'log'), natsTarball: '', bundle, env: { DSM_ENV: 'staging' } });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/the bundle has no host files for DSM_ENV=staging \(has: (local prod|prod local) \)/);
  });

  it('refuses a missing bundle', () => {
    const r = runScript('install-dsm.sh', { root: path.join(work, 'root'), hostLog: path.join(work, 'log'), natsTarball: '', bundle: path.join(work, 'nope.tgz') });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(`DSM_BUNDLE=${path.join(work, 'nope.tgz')} does not exist`);
  });
});

describe('isolated cores (host.isolateServiceCores)', () => {
  it('adds isolcpus/nohz_full/rcu_nocbs boot arguments through grubby and records them', () => {
    const work = tempDir('isolate');
    const root = path.join(work, 'root');
    mkdirSync(path.join(root, 'etc/dsm'), { recursive: true });
    writeFileSync(path.join(root, 'etc/dsm/host.env'), [
      'DSM_NOFILE="65536"', 'DSM_ISOLATE_CORES="1"', 'DSM_BOOT_ARGS="isolcpus=2-3 nohz_full=2-3 rcu_nocbs=2-3"',
    ].join('\n'));
    const hostLog = path.join(work, 'log');
    const r = runScript('tune-kernel.sh', { root, hostLog, natsTarball: '', bundle: '' });
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(hostLog, 'utf8')).toContain('grubby --update-kernel=ALL --args=isolcpus=2-3 nohz_full=2-3 rcu_nocbs=2-3');
    expect(readFileSync(path.join(root, 'etc/dsm/boot-args'), 'utf8').trim()).toBe('isolcpus=2-3 nohz_full=2-3 rcu_nocbs=2-3');
    expect(readFileSync(path.join(root, 'etc/security/limits.d/90-dsm.conf'), 'utf8')).toMatch(/^nats\s+hard\s+nofile\s+65536$/m);
  });
});

it('runs every provisioning script the template runs', () => {
  const onDisk = shellScripts.filter((s) => !['lib.sh', 'make-bundle.sh', 'dsm-host-tune.sh'].includes(s)).sort();
  expect([...PROVISION_ORDER].sort()).toEqual(onDisk);
});
