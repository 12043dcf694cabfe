/**
 * The host values an image needs from the environment config, as a shell-sourceable env file
 * (`/etc/dsm/host.env`). The provisioning scripts and the boot-time tuner read this file, so they
 * stay plain bash and never load the config themselves; `make bundle` writes one per environment.
 */
import type { DsmConfig } from '../config/schema.js';
import { parseCpuList, unionCpuLists } from './cpu-list.js';

/** Services whose latency matters; their cores are kept free of NIC interrupts (and isolated on request). */
export const LATENCY_SERVICES = ['nats', 'ingest', 'subscriber'] as const;

export interface HostValues {
  DSM_ENV: string;
  DSM_CPUS_NATS: string;
  DSM_CPUS_INGEST: string;
  DSM_CPUS_SUBSCRIBER: string;
  DSM_CPUS_METRICS: string;
  DSM_NOFILE: string;
  DSM_ISOLATE_CORES: '0' | '1';
  /** Kernel arguments to add when isolating; empty otherwise. */
  DSM_BOOT_ARGS: string;
}

export class HostConfigError extends Error {}

/** Cores that isolcpus/nohz_full/rcu_nocbs would take: every latency service's cores. */
export function isolatedCores(cfg: DsmConfig): string {
  const a = cfg.host.cpuAffinity;
  return unionCpuLists(...LATENCY_SERVICES.map((s) => a[s]));
}

export function hostValues(cfg: DsmConfig): HostValues {
  const a = cfg.host.cpuAffinity;
  let bootArgs = '';
  if (cfg.host.isolateServiceCores) {
    const cores = isolatedCores(cfg);
    // The kernel needs at least one housekeeping CPU for timers, RCU callbacks and IRQs; CPU 0
    // also cannot be nohz_full on x86. Refuse rather than bake an image that boots badly.
    if (parseCpuList(cores).includes(0)) {
      const owners = LATENCY_SERVICES.filter((s) => parseCpuList(a[s]).includes(0)).map((s) => `host.cpuAffinity.${s} = ${a[s]}`);
      throw new HostConfigError(`host.isolateServiceCores: the service cores (${cores}) include CPU 0 (${owners.join(', ')}); keep CPU 0 for housekeeping`);
    }
    bootArgs = `isolcpus=${cores} nohz_full=${cores} rcu_nocbs=${cores}`;
  }
  return {
    DSM_ENV: cfg.env,
    DSM_CPUS_NATS: a.nats,
    DSM_CPUS_INGEST: a.ingest,
    DSM_CPUS_SUBSCRIBER: a.subscriber,
    DSM_CPUS_METRICS: a.metrics,
    DSM_NOFILE: String(cfg.host.nofile),
    DSM_ISOLATE_CORES: cfg.host.isolateServiceCores ? '1' : '0',
    DSM_BOOT_ARGS: bootArgs,
  };
}

export function renderHostEnv(cfg: DsmConfig): string {
  const lines = [
    `# Host values of DSM environment "${cfg.env}" (from config/${cfg.env}.ts, host section).`,
    '# Written by `make bundle` (ami/host-env.ts); read by the AMI scripts and dsm-host-tune.',
  ];
  // Every value is a CPU list, a number or kernel arguments: no quoting surprises, but quote anyway.
  for (const [k, v] of Object.entries(hostValues(cfg))) lines.push(`${k}="${v}"`);
  return `${lines.join('\n')}\n`;
}
