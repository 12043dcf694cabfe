/**
 * dsm-host-tune, the boot-time tuner, against a fake /proc, /sys and /dev under DSM_ROOT:
 * ENA IRQ affinity away from the service cores, the performance governor, the PHC time source.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { SCRIPTS_DIR, tempDir } from './testing.js';

const TUNE = path.join(SCRIPTS_DIR, 'dsm-host-tune.sh');

function put(root: string, rel: string, content: string): void {
  mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  writeFileSync(path.join(root, rel), content);
}

function tune(root: string, cmd: string, env: Record<string, string> = {}) {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('DSM_'))) as Record<string, string>;
  return spawnSync('bash', [TUNE, cmd], { env: { ...base, DSM_ROOT: root, ...env }, encoding: 'utf8' });
}

// A c7gn.2xlarge-like view: 8 CPUs, an ENA admin IRQ, 4 ENA queues, NVMe and timer IRQs that must not move.
const INTERRUPTS = `           CPU0       CPU1       CPU2       CPU3       CPU4       CPU5       CPU6       CPU7
 11:       8812          0          0          0          0          0          0          0     GICv3  27 Level     arch_timer
 24:          0          0          0          0          0          0          0          0  ITS-MSI 16384 Edge      nvme0q0
 25:        104          0          0          0          0          0          0          0  ITS-MSI 81920 Edge      ena-mgmnt@pci:0000:00:05.0
 26:      20931          0          0          0          0          0          0          0  ITS-MSI 81921 Edge      ens5-Tx-Rx-0
 27:          0      19822          0          0          0          0          0          0  ITS-MSI 81922 Edge      ens5-Tx-Rx-1
 28:          0          0      18771          0          0          0          0          0  ITS-MSI 81923 Edge      ens5-Tx-Rx-2
 29:          0          0          0      17661          0          0          0          0  ITS-MSI 81924 Edge      ens5-Tx-Rx-3
IPI0:      1234       1234       1234       1234       1234       1234       1234       1234       Rescheduling interrupts
`;

function fakeHost(cpuLists: { nats: string; ingest: string; subscriber: string }): string {
  const root = tempDir('tune');
  put(root, 'proc/interrupts', INTERRUPTS);
  for (const irq of [11, 24, 25, 26, 27, 28, 29]) put(root, `proc/irq/${irq}/smp_affinity_list`, '0-7\n');
  put(root, 'sys/devices/system/cpu/online', '0-7\n');
  put(root, 'etc/dsm/host.env', [
    `DSM_CPUS_NATS="${cpuLists.nats}"`, `DSM_CPUS_INGEST="${cpuLists.ingest}"`, `DSM_CPUS_SUBSCRIBER="${cpuLists.subscriber}"`, 'DSM_CPUS_METRICS="0"',
  ].join('\n'));
  return root;
}

const affinity = (root: string, irq: number) => readFileSync(path.join(root, `proc/irq/${irq}/smp_affinity_list`), 'utf8').trim();

describe('irq-affinity', () => {
  it('spreads ENA queues over the CPUs the host role leaves free, and leaves other IRQs alone', () => {
    const root = fakeHost({ nats: '0-1', ingest: '2-3', subscriber: '2-3' });
    put(root, 'etc/dsm/dsm.env', 'DSM_ENV=prod\nDSM_ROLE=nats\nDSM_NODE=2\n');
    const r = tune(root, 'irq-affinity');
    expect(r.status, r.stderr).toBe(0);
    expect([25, 26, 27, 28, 29].map((i) => affinity(root, i))).toEqual(['2,3,4,5,6,7', '2', '3', '4', '5']);
    expect([11, 24].map((i) => affinity(root, i))).toEqual(['0-7', '0-7']);
    expect(r.stderr).toContain('5 ENA interrupts pinned to CPUs 2,3,4,5,6,7 (services on: nats)');
  });

  it('takes the services from the enabled units when no role is written', () => {
    const root = fakeHost({ nats: '0-1', ingest: '4-7', subscriber: '2-3' });
    mkdirSync(path.join(root, 'etc/systemd/system/multi-user.target.wants'), { recursive: true });
    symlinkSync('/etc/systemd/system/dsm-ingest.service', path.join(root, 'etc/systemd/system/multi-user.target.wants/dsm-ingest.service'));
    const r = tune(root, 'irq-affinity');
    expect(r.status, r.stderr).toBe(0);
    expect([25, 26, 27, 28, 29].map((i) => affinity(root, i))).toEqual(['0,1,2,3', '0', '1', '2', '3']);
  });

  it('lets DSM_SERVICES override, and changes nothing when every CPU runs a service', () => {
    const root = fakeHost({ nats: '0-3', ingest: '4-7', subscriber: '4-7' });
    const r = tune(root, 'irq-affinity', { DSM_SERVICES: 'nats ingest' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('every online CPU (0-7) runs a DSM service: IRQ affinity left unchanged');
    expect([25, 26].map((i) => affinity(root, i))).toEqual(['0-7', '0-7']);
  });

  it('rejects an unknown service name', () => {
    const root = fakeHost({ nats: '0-1', ingest: '2-3', subscriber: '2-3' });
    const r = tune(root, 'irq-affinity', { DSM_SERVICES: 'nats gateway' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('unknown service "gateway"');
  });
});

describe('governor', () => {
  it('sets performance where offered and reports CPUs without it', () => {
    const root = tempDir('gov');
    put(root, 'sys/devices/system/cpu/cpu0/cpufreq/scaling_governor', 'schedutil\n');
    put(root, 'sys/devices/system/cpu/cpu0/cpufreq/scaling_available_governors', 'ondemand performance schedutil\n');
    put(root, 'sys/devices/system/cpu/cpu1/cpufreq/scaling_governor', 'schedutil\n');
    put(root, 'sys/devices/system/cpu/cpu1/cpufreq/scaling_available_governors', 'schedutil\n');
    const r = tune(root, 'governor');
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(path.join(root, 'sys/devices/system/cpu/cpu0/cpufreq/scaling_governor'), 'utf8').trim()).toBe('performance');
    expect(readFileSync(path.join(root, 'sys/devices/system/cpu/cpu1/cpufreq/scaling_governor'), 'utf8').trim()).toBe('schedutil');
    expect(r.stderr).toContain('cpu1/cpufreq offers no performance governor; left as schedutil');
  });

  it('does nothing, and says so, on an instance without cpufreq', () => {
    const root = tempDir('gov-none');
    put(root, 'sys/devices/system/cpu/online', '0-3\n');
    const r = tune(root, 'governor');
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('no cpufreq on this instance');
  });
});

describe('time-source', () => {
  const conf = (root: string) => path.join(root, 'etc/chrony.d/dsm-phc.conf');

  it('adds the ENA PHC as preferred refclock when the instance has one, and removes it when not', () => {
    const root = tempDir('phc');
    put(root, 'dev/ptp0', '');
    put(root, 'sys/class/ptp/ptp0/clock_name', 'ena-ptp-05\n');
    expect(tune(root, 'time-source').status).toBe(0);
    expect(readFileSync(conf(root), 'utf8')).toMatch(/^refclock PHC \/dev\/ptp0 poll 0 delay 0\.000010 prefer$/m);

    put(root, 'sys/class/ptp/ptp0/clock_name', 'some-other-nic\n');
    const r = tune(root, 'time-source');
    expect(r.status).toBe(0);
    expect(existsSync(conf(root))).toBe(false);
    expect(r.stderr).toContain('no ENA PHC: Amazon Time Sync over NTP');
  });
});

it('prints usage for an unknown subcommand', () => {
  const r = tune(tempDir('usage'), 'bogus');
  expect(r.status).toBe(2);
  expect(r.stderr).toContain('usage: dsm-host-tune governor|irq-affinity|time-source');
});
