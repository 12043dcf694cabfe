/**
 * Units and host values come from the config: change the config, the units change. The installed
 * units pass `systemd-analyze verify` inside the provisioned root.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { loadConfig, validateConfig } from '../config/load.js';
import { prodConfig } from '../config/prod.js';
import { formatCpuList, parseCpuList, unionCpuLists } from './cpu-list.js';
import { HostConfigError, hostValues, renderHostEnv } from './host-env.js';
import { renderUnits } from './units.js';
import { fakeBundle, fakeNatsTarball, provisionAll, tempDir } from './testing.js';

const withHost = (host: object) => validateConfig({ ...prodConfig, host }, 'prod-variant');

describe('cpu lists', () => {
  it('parses, unions and compacts the forms systemd and the kernel take', () => {
    expect(parseCpuList('0-2,5,7-8')).toEqual([0, 1, 2, 5, 7, 8]);
    expect(formatCpuList([8, 0, 1, 2, 5, 7])).toBe('0-2,5,7-8');
    expect(unionCpuLists('0-1', '2-3', '2')).toBe('0-3');
    expect(() => parseCpuList('3-1')).toThrow('CPU range 3-1 runs backwards');
    expect(() => parseCpuList('a')).toThrow('not a CPU list: "a"');
  });
});

describe('host values', () => {
  it('carries the prod host section into host.env', () => {
    const cfg = loadConfig('prod');
    const env = renderHostEnv(cfg);
    expect(env).toContain(`DSM_CPUS_NATS="${cfg.host.cpuAffinity.nats}"`);
    expect(env).toContain(`DSM_NOFILE="${cfg.host.nofile}"`);
    expect(env).toContain('DSM_ISOLATE_CORES="0"');
    expect(env).toContain('DSM_BOOT_ARGS=""');
  });

  it('builds isolcpus/nohz_full/rcu_nocbs from the latency services when isolation is on', () => {
    const cfg = withHost({ isolateServiceCores: true, cpuAffinity: { nats: '2-3', ingest: '4-5', subscriber: '4-5', metrics: '0' } });
    expect(hostValues(cfg).DSM_BOOT_ARGS).toBe('isolcpus=2-5 nohz_full=2-5 rcu_nocbs=2-5');
  });

  it('refuses to isolate CPU 0, naming the field that puts a service there', () => {
    const cfg = withHost({ isolateServiceCores: true, cpuAffinity: { nats: '0-1', ingest: '2-3', subscriber: '2-3', metrics: '0' } });
    expect(() => hostValues(cfg)).toThrow(HostConfigError);
    expect(() => hostValues(cfg)).toThrow('host.isolateServiceCores: the service cores (0-3) include CPU 0 (host.cpuAffinity.nats = 0-1); keep CPU 0 for housekeeping');
  });
});

describe('rendered units', () => {
  it('follow the config: other CPU lists and nofile give other units', () => {
    const units = renderUnits(withHost({ cpuAffinity: { nats: '6-7', ingest: '2-5', subscriber: '1', metrics: '0' }, nofile: 200_000 }));
    expect(Object.keys(units).sort()).toEqual(['dsm-ingest.service', 'dsm-metrics.service', 'dsm-subscriber.service', 'nats-server.service']);
    expect(units['nats-server.service']).toMatch(/^CPUAffinity=6-7$/m);
    expect(units['dsm-ingest.service']).toMatch(/^CPUAffinity=2-5$/m);
    expect(units['dsm-subscriber.service']).toMatch(/^CPUAffinity=1$/m);
    expect(units['dsm-metrics.service']).toMatch(/^CPUAffinity=0$/m);
    for (const text of Object.values(units)) expect(text).toMatch(/^LimitNOFILE=200000$/m);
  });

  it('keep Node services free of MemoryDenyWriteExecute (V8 JIT) and give it to nats-server', () => {
    const units = renderUnits(loadConfig('prod'));
    expect(units['nats-server.service']).toMatch(/^MemoryDenyWriteExecute=yes$/m);
    for (const name of ['dsm-ingest.service', 'dsm-subscriber.service', 'dsm-metrics.service']) {
      expect(units[name]).not.toMatch(/^MemoryDenyWriteExecute/m);
    }
  });

  it('stop nats-server in lame duck mode so clients move before the node goes', () => {
    const unit = renderUnits(loadConfig('prod'))['nats-server.service']!;
    expect(unit).toMatch(/^KillSignal=SIGUSR2$/m);
    expect(unit).toMatch(/^TimeoutStopSec=180$/m);
  });
});

const analyze = '/usr/bin/systemd-analyze';
describe.skipIf(!existsSync(analyze))('systemd-analyze verify', () => {
  it('accepts every installed unit inside the provisioned root, binaries included', () => {
    const work = tempDir('verify');
    const nats = fakeNatsTarball(path.join(work, 'nats'), 'amd64');
    mkdirSync(path.join(work, 'bundle'));
    const root = path.join(work, 'root');
    provisionAll({ root, hostLog: path.join(work, 'log'), natsTarball: nats.file, natsSha256: nats.sha256, bundle: fakeBundle(path.join(work, 'bundle')) });
    // The units name targets and units of the OS (network-online.target, chronyd.service...):
    // give the root this machine's system units so dependencies resolve as on a real image.
    cpSync('/usr/lib/systemd/system', path.join(root, 'usr/lib/systemd/system'), { recursive: true, verbatimSymlinks: true });
    const units = readdirSync(path.join(root, 'etc/systemd/system')).filter((f) => f.endsWith('.service') && f !== 'irqbalance.service');
    expect(units.sort()).toEqual(['dsm-cpu-tune.service', 'dsm-ingest.service', 'dsm-metrics.service', 'dsm-subscriber.service', 'dsm-time-source.service', 'nats-server.service']);
    const r = spawnSync(analyze, ['verify', '--man=no', `--root=${root}`, ...units], { encoding: 'utf8' });
    // Warnings (unknown keys, bad values) keep exit 0 but print: both must be clean.
    expect(r.stderr + r.stdout).toBe('');
    expect(r.status).toBe(0);
  });
});
