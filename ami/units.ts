/**
 * systemd units for the DSM services, rendered from the environment config so that CPU affinity
 * and open-file limits are written once (config/<env>.ts, `host` section) and nowhere else.
 *
 * The units are installed by the AMI but not enabled: an instance's user data enables the ones
 * its role runs (nats-server on NATS nodes, dsm-ingest on ingestion hosts, ...).
 */
import type { DsmConfig } from '../config/schema.js';

/** Where the image puts things; the provisioning scripts use the same paths. */
export const PATHS = {
  dsm: '/usr/local/bin/dsm',
  natsServer: '/usr/local/bin/nats-server',
  bundle: '/opt/dsm',
  env: '/etc/dsm/dsm.env',
  instanceEnv: '/etc/dsm/instance.env',
  natsConf: '/etc/nats/nats-server.conf',
  natsTls: '/etc/nats/tls',
} as const;

type Line = string | [key: string, value: string | number];
type Section = { name: 'Unit' | 'Service' | 'Install'; lines: Line[] };

function render(header: string, sections: Section[]): string {
  const out = [`# ${header}`, '# Rendered by ami/units.ts from the environment config; do not edit on the host.'];
  for (const s of sections) {
    out.push('', `[${s.name}]`);
    for (const l of s.lines) out.push(typeof l === 'string' ? `# ${l}` : `${l[0]}=${l[1]}`);
  }
  return `${out.join('\n')}\n`;
}

const envFiles: Line[] = [
  'Baked defaults (DSM_ENV, ...), then what user data wrote for this instance (DSM_NODE, extra args).',
  ['EnvironmentFile', PATHS.env],
  ['EnvironmentFile', `-${PATHS.instanceEnv}`],
];

const restart: Line[] = [
  'A market-data process that dies must come back at once, and keep trying: no start rate limit.',
  ['Restart', 'always'],
  ['RestartSec', 1],
];

/** Sandboxing shared by every service: nothing here needs to write the OS or see other users. */
const hardening: Line[] = [
  'Sandbox: the service reads the OS, writes nothing outside its own state, sees no other users.',
  ['NoNewPrivileges', 'yes'],
  ['ProtectSystem', 'strict'],
  ['ProtectHome', 'yes'],
  ['PrivateTmp', 'yes'],
  ['PrivateDevices', 'yes'],
  ['ProtectKernelTunables', 'yes'],
  ['ProtectKernelModules', 'yes'],
  ['ProtectKernelLogs', 'yes'],
  ['ProtectControlGroups', 'yes'],
  ['ProtectClock', 'yes'],
  ['ProtectHostname', 'yes'],
  ['RestrictNamespaces', 'yes'],
  ['RestrictRealtime', 'yes'],
  ['RestrictSUIDSGID', 'yes'],
  ['LockPersonality', 'yes'],
  ['CapabilityBoundingSet', ''],
  ['SystemCallArchitectures', 'native'],
  ['UMask', '0027'],
];

const unitDeps: Line[] = [
  'Cross-host latency figures are only meaningful once the clock is synchronized.',
  ['Wants', 'network-online.target'],
  ['After', 'network-online.target time-sync.target chronyd.service'],
  ['StartLimitIntervalSec', 0],
];

const install: Section = { name: 'Install', lines: [['WantedBy', 'multi-user.target']] };

function natsServerUnit(cfg: DsmConfig): string {
  return render(`nats-server: one node of NATS cluster ${cfg.nats.clusterName}`, [
    { name: 'Unit', lines: [['Description', `NATS server (DSM ${cfg.env}, cluster ${cfg.nats.clusterName})`], ['Documentation', 'https://docs.nats.io/running-a-nats-service/introduction'], ...unitDeps] },
    {
      name: 'Service',
      lines: [
        ['Type', 'simple'],
        ['User', 'nats'],
        ['Group', 'nats'],
        'The journal tag rsyslog routes to /var/log/dsm, which the CloudWatch agent ships (stacks/log-shipping.ts).',
        ['SyslogIdentifier', 'nats-server'],
        ...envFiles,
        'Render the config at every start from the same renderer as the local cluster. "+" runs it',
        'with full privileges: it writes /etc/nats, which the server itself may only read.',
        ['ExecStartPre', `+${PATHS.dsm} render nats-config --env \${DSM_ENV} --node \${DSM_NODE} --tls-dir ${PATHS.natsTls} --out ${PATHS.natsConf}`],
        ['ExecStartPre', `${PATHS.natsServer} -c ${PATHS.natsConf} -t`],
        ['ExecStart', `${PATHS.natsServer} -c ${PATHS.natsConf}`],
        ['ExecReload', `${PATHS.natsServer} --signal reload=$MAINPID`],
        'SIGUSR2 = lame duck mode: clients are told to move to the other nodes before this one stops,',
        'so a rolling instance replacement drops no subscriber. Lame duck lasts up to 2 minutes.',
        ['KillSignal', 'SIGUSR2'],
        ['TimeoutStopSec', 180],
        ...restart,
        'Every client and route connection is a file descriptor.',
        ['LimitNOFILE', cfg.host.nofile],
        `Cores from config host.cpuAffinity.nats; NIC interrupts are steered to other cores.`,
        ['CPUAffinity', cfg.host.cpuAffinity.nats],
        ...hardening,
        'Go needs no writable+executable memory (Node does, for its JIT, so only this unit sets it).',
        ['MemoryDenyWriteExecute', 'yes'],
        ['RestrictAddressFamilies', 'AF_INET AF_INET6 AF_UNIX'],
        ['SystemCallFilter', '@system-service'],
        ['ReadOnlyPaths', '/etc/nats'],
      ],
    },
    install,
  ]);
}

interface NodeService {
  unit: string;
  description: string;
  /** `dsm` subcommand the service runs. */
  command: string;
  /** Env var in dsm.env/instance.env carrying extra arguments (subjects, --standby, ...). */
  argsVar: string;
  cpus: string;
  cpusField: string;
}

function nodeServiceUnit(cfg: DsmConfig, s: NodeService): string {
  return render(`${s.unit}: ${s.description}`, [
    { name: 'Unit', lines: [['Description', `DSM ${s.description} (${cfg.env})`], ...unitDeps] },
    {
      name: 'Service',
      lines: [
        ['Type', 'simple'],
        ['User', 'dsm'],
        ['Group', 'dsm'],
        'The journal tag rsyslog routes to /var/log/dsm, which the CloudWatch agent ships (stacks/log-shipping.ts).',
        ['SyslogIdentifier', s.unit.replace(/\.service$/, '')],
        ['WorkingDirectory', PATHS.bundle],
        ['Environment', 'NODE_ENV=production'],
        ...envFiles,
        `$${s.argsVar} is split into words, so instance.env can pass several arguments.`,
        ['ExecStart', `${PATHS.dsm} ${s.command} --env \${DSM_ENV} $${s.argsVar}`],
        ...restart,
        ['LimitNOFILE', cfg.host.nofile],
        `Cores from config ${s.cpusField}.`,
        ['CPUAffinity', s.cpus],
        ...hardening,
        'No MemoryDenyWriteExecute: V8 JIT-compiles into writable+executable pages.',
        ['RestrictAddressFamilies', 'AF_INET AF_INET6 AF_UNIX AF_NETLINK'],
        'Writable state (recordings, caches) only here.',
        ['StateDirectory', 'dsm'],
      ],
    },
    install,
  ]);
}

/** File name -> unit text, for every DSM service. */
export function renderUnits(cfg: DsmConfig): Record<string, string> {
  const a = cfg.host.cpuAffinity;
  const services: NodeService[] = [
    { unit: 'dsm-ingest.service', description: 'ingest (feeds -> books -> NATS)', command: 'ingest', argsVar: 'DSM_INGEST_ARGS', cpus: a.ingest, cpusField: 'host.cpuAffinity.ingest' },
    { unit: 'dsm-subscriber.service', description: 'subscriber (NATS -> book mirrors)', command: 'subscribe', argsVar: 'DSM_SUBSCRIBE_ARGS', cpus: a.subscriber, cpusField: 'host.cpuAffinity.subscriber' },
    { unit: 'dsm-metrics.service', description: 'metrics agent (nats-server + latency -> CloudWatch)', command: 'metrics-agent', argsVar: 'DSM_METRICS_ARGS', cpus: a.metrics, cpusField: 'host.cpuAffinity.metrics' },
  ];
  const units: Record<string, string> = { 'nats-server.service': natsServerUnit(cfg) };
  for (const s of services) units[s.unit] = nodeServiceUnit(cfg, s);
  return units;
}

/** Which unit carries each latency service's cores; the IRQ tuner reads enabled units by these names. */
export const SERVICE_UNITS = {
  nats: 'nats-server.service',
  ingest: 'dsm-ingest.service',
  subscriber: 'dsm-subscriber.service',
  metrics: 'dsm-metrics.service',
} as const;
