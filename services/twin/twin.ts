/**
 * The production twin: the synthesized stack's hosts run on this machine as the processes their
 * user data and the AMI's units start, on the env's config moved onto loopback; then two
 * contracts are checked against the stack JSON:
 * - metrics: every metric an alarm, scaling policy or dashboard reads was emitted (the agents'
 *   PutMetricData requests are recorded, not sent);
 * - flows: every connection the services made (nats-server /connz and /routez, and every socket
 *   the hosts' processes held, traced to its process through /proc) is allowed by the security
 *   groups and NACLs; and every port the security groups open to another tier has something
 *   listening there that another host can reach.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderUnits } from '../../ami/units.js';
import { loadConfig, validateConfig } from '../../config/load.js';
import type { DsmConfig } from '../../config/schema.js';
import { natsNodes } from '../../config/topology.js';
import { TWIN_CONFIG_ENV } from '../../config/twin-override.js';
import { CLOUDWATCH_RECORD_ENV } from '../metrics/cloudwatch-record.js';
import { initCerts } from '../nats/certs.js';
import { fetchConnz, fetchRoutez } from '../nats/monitor.js';
import { findFreePortBlock } from '../nats/ports.js';
import { bootHost, expandExec, localArgv, parseUnit, runPre, UNRUNNABLE_UNITS, writeFakeCommands, type RunningUnit, type TwinRuntime } from './host-boot.js';
import { checkMetricContract, emittedMetrics, referencedMetrics, type MetricContract, type RecordedRequest } from './metrics-contract.js';
import { evaluateFlow, networkModel, type NetworkModel, type Protocol } from './network.js';
import { allSockets, socketInodes, withDescendants, type SocketEntry } from './sockets.js';
import { stackHosts, type StackHost } from './stack-hosts.js';
import { synthesizeStack } from './synth.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface TwinOptions {
  env: string;
  /** Seconds to run once every host is up. */
  seconds: number;
  /** Working directory (default: a fresh temp dir, removed afterwards unless `keep`). */
  dir?: string;
  keep?: boolean;
  /** Metric names (or full keys) allowed to be missing; still listed. */
  allowMissing?: string[];
  /** The agents' scrape interval in the twin (prod's would make a run minutes long). */
  scrapeIntervalSeconds?: number;
  /** How long every service may take to start and connect before the traffic clock starts (default 180 s: a loaded machine starts Node slowly). */
  readyTimeoutSeconds?: number;
  signal?: AbortSignal;
  progress?: (line: string) => void;
}

export interface ObservedFlow {
  from: string;
  fromTier: string;
  to: string;
  toTier: string;
  proto: Protocol;
  /** The port as deployed (4222, 6222, 8222, 9464, ...), not the twin's loopback port. */
  port: number;
  service: string;
  /** How it was seen: connz, routez, socket. */
  seenBy: string[];
  /** Client connection names, when nats-server knew them. */
  clients: string[];
}

export interface DeniedFlow extends ObservedFlow { reasons: string[] }

export interface ListenerReport {
  host: string;
  unit: string;
  proto: Protocol;
  bind: string;
  port: number;
  service: string;
  twinPort: number;
  /** The unit was told to bind the host's private address (moved to 127.0.0.1 here): reachable on AWS. */
  hostAddress?: boolean;
}

export interface UnreachablePort { tier: string; proto: string; ports: string; from: string; rule: string; why: string }

export interface HostReport {
  name: string;
  role: string;
  tier: string;
  resource: string;
  ip: string;
  /** What the twin's instance metadata answers for instance-id. */
  instanceId: string;
  booted: boolean;
  units: Array<{ unit: string; command: string; pid?: number; restarts: number; exits: Array<{ code: number | null; signal: string | null }> }>;
  /** CloudWatch Logs groups the host's CloudWatch agent was configured to ship into. */
  shipsLogsTo: string[];
  skipped: Array<{ unit: string; why: string }>;
  problems: string[];
  dir: string;
}

export interface TwinReport {
  ok: boolean;
  env: string;
  stack: string;
  seconds: number;
  metrics: MetricContract & { allowedMissing: string[] };
  flows: { observed: ObservedFlow[]; denied: DeniedFlow[]; unmapped: string[]; unresolvedRules: string[] };
  listeners: { observed: ListenerReport[]; unreachable: UnreachablePort[] };
  /** Service log groups of the stack no host ships into, and groups hosts ship into that the stack lacks. */
  logs: { groups: string[]; unshipped: string[]; unknown: string[] };
  hosts: HostReport[];
  /** Anything that kept the twin from being a faithful run (a host that did not boot, ...). */
  problems: string[];
  dir: string;
}

const sleep = (ms: number, signal?: AbortSignal) => new Promise<void>((resolve) => {
  if (signal?.aborted) return resolve();
  const onAbort = () => { clearTimeout(t); resolve(); };
  const t = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve(); }, ms);
  signal?.addEventListener('abort', onAbort, { once: true });
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

/** Stand-ins for live feeds: the same exchange's recorded session from the local config. */
function recordedFeeds(cfg: DsmConfig, itchPort: number, problems: string[]): Json[] {
  const local = loadConfig('local');
  return cfg.exchanges.map((ex) => {
    const kind = ex.feed.kind;
    if (kind === 'itch-moldudp64') return { ...ex, feed: { ...ex.feed, port: itchPort } };
    if (!kind.endsWith('-ws')) return ex;
    const stand = local.exchanges.find((l) => l.name === ex.name && !l.feed.kind.endsWith('-ws'));
    if (!stand) { problems.push(`exchange ${ex.name}: live feed ${kind} and no recorded session to stand in for it`); return ex; }
    return { ...ex, feed: stand.feed };
  });
}

interface PortInfo { port: number; service: string; proto: Protocol; host?: string; /** The twin moved its bind address (loopback placement): reachable on AWS whatever it binds here. */ movedBind: boolean }

export async function runTwin(opts: TwinOptions): Promise<TwinReport> {
  const say = opts.progress ?? (() => undefined);
  const problems: string[] = [];
  const cfg = loadConfig(opts.env);
  if (!cfg.aws) throw new Error(`environment "${opts.env}" has no aws section: there is no stack to twin`);

  say(`synthesizing dsm-${cfg.env}`);
  const { name: stack, json } = synthesizeStack(cfg);
  const model = networkModel(json);
  const stackHostList = stackHosts(json, cfg.env);
  const refs = referencedMetrics(json);

  const dir = opts.dir ? path.resolve(opts.dir) : mkdtempSync(path.join(tmpdir(), `dsm-twin-${cfg.env}-`));
  mkdirSync(dir, { recursive: true });
  const rt: TwinRuntime = {
    root: REPO_ROOT, node: process.execPath, dsmJs: path.join(REPO_ROOT, 'cli', 'bin', 'dsm.js'),
    binDir: path.join(dir, 'bin'), tlsDir: path.join(dir, 'tls'), cloudwatchFile: path.join(dir, 'cloudwatch.jsonl'), env: cfg.env,
  };
  writeFakeCommands(rt);
  rmSync(rt.cloudwatchFile, { force: true });

  // The env's config on loopback: NATS ports from a free block, recorded feeds, faster scrapes.
  const n = cfg.nats.nodes;
  const natsBase = await findFreePortBlock(n * 3);
  const itchPort = await findFreePortBlock(1);
  const base: Json = JSON.parse(JSON.stringify(cfg));
  base.nats.placement = 'loopback';
  base.nats.ports = { client: natsBase, cluster: natsBase + n, monitor: natsBase + 2 * n };
  base.metrics.scrapeIntervalSeconds = opts.scrapeIntervalSeconds ?? 1;
  base.exchanges = recordedFeeds(cfg, itchPort, problems);
  const twinPorts = new Map<string, PortInfo>();
  const key = (proto: Protocol, port: number) => `${proto}/${port}`;
  natsNodes({ ...cfg, nats: { ...cfg.nats, placement: 'loopback', ports: base.nats.ports } } as DsmConfig).forEach((node) => {
    twinPorts.set(key('tcp', node.clientPort), { port: cfg.nats.ports.client, service: 'nats-client', proto: 'tcp', host: node.name, movedBind: true });
    twinPorts.set(key('tcp', node.clusterPort), { port: cfg.nats.ports.cluster, service: 'nats-route', proto: 'tcp', host: node.name, movedBind: true });
    twinPorts.set(key('tcp', node.monitorPort), { port: cfg.nats.ports.monitor, service: 'nats-monitor', proto: 'tcp', host: node.name, movedBind: true });
  });
  const itchProd = cfg.exchanges.find((e) => e.feed.kind === 'itch-moldudp64');
  if (itchProd && itchProd.feed.kind === 'itch-moldudp64') twinPorts.set(key('udp', itchPort), { port: itchProd.feed.port, service: `feed ${itchProd.name}`, proto: 'udp', movedBind: false });

  say('issuing the twin\'s TLS material (stands in for `dsm certs push`)');
  await initCerts(validateConfig(base, cfg.env), rt.tlsDir);

  const hosts = stackHostList.map((h, i) => ({ stack: h, instanceId: `i-0${(0x7317000 + i).toString(16)}0000000`, dir: path.join(dir, 'hosts', h.name), report: undefined as unknown as HostReport, env: {} as Record<string, string>, units: [] as RunningUnit[] }));
  for (const h of hosts) {
    mkdirSync(h.dir, { recursive: true });
    // Each host its own Prometheus port: on AWS every host has its own address for 9464.
    const promPort = await findFreePortBlock(1);
    twinPorts.set(key('tcp', promPort), { port: cfg.metrics.prometheusPort, service: 'prometheus', proto: 'tcp', host: h.stack.name, movedBind: false });
    const hostCfg = { ...base, metrics: { ...base.metrics, prometheusPort: promPort } };
    writeFileSync(path.join(h.dir, 'config.json'), JSON.stringify(hostCfg, null, 2));
    h.report = { name: h.stack.name, role: h.stack.role, tier: h.stack.tier, resource: h.stack.resource, ip: h.stack.net.ip, instanceId: h.instanceId, booted: false, units: [], shipsLogsTo: [], skipped: [], problems: [...h.stack.problems], dir: h.dir };
  }

  const children: RunningUnit[] = [];
  let stopping = false;
  const baseEnv = (h: (typeof hosts)[number]): NodeJS.ProcessEnv => ({
    PATH: process.env.PATH, HOME: process.env.HOME, LANG: process.env.LANG,
    [TWIN_CONFIG_ENV]: path.join(h.dir, 'config.json'), [CLOUDWATCH_RECORD_ENV]: rt.cloudwatchFile,
  });

  const flows = new Map<string, ObservedFlow>();
  const listeners = new Map<string, ListenerReport>();
  const unmapped = new Set<string>();
  const tierOf = (host: string) => hosts.find((h) => h.stack.name === host)?.stack.tier ?? '?';
  const addFlow = (f: Omit<ObservedFlow, 'fromTier' | 'toTier' | 'seenBy' | 'clients'>, seenBy: string, client?: string) => {
    const k = `${f.from}|${f.to}|${f.proto}|${f.port}`;
    const cur = flows.get(k) ?? { ...f, fromTier: tierOf(f.from), toTier: tierOf(f.to), seenBy: [], clients: [] };
    if (!cur.seenBy.includes(seenBy)) cur.seenBy.push(seenBy);
    if (client && !cur.clients.includes(client)) cur.clients.push(client);
    flows.set(k, cur);
  };

  /** Sockets of every running unit, by inode -> owner. */
  const owners = () => {
    const byInode = new Map<number, { host: string; unit: string; pid: number }>();
    for (const u of children) {
      if (!u.child?.pid || u.child.exitCode !== null || u.child.signalCode !== null) continue;
      for (const pid of withDescendants([u.child.pid])) for (const inode of socketInodes(pid)) byInode.set(inode, { host: u.host, unit: u.unit, pid: u.child.pid });
    }
    return byInode;
  };

  /** host|unit of units told to bind their host's private address. */
  const hostAddressUnits = new Set<string>();
  /**
   * host|unit|pid seen holding a NATS client socket in the latest sample, and since when. A service
   * counts as connected once its current process has held one for longer than the servers' TLS
   * handshake timeout (a socket whose handshake fails is ESTABLISHED too, briefly).
   */
  let seenConnected = new Set<string>();
  const connectedSince = new Map<string, number>();
  const isConnected = (u: RunningUnit) => {
    const since = connectedSince.get(`${u.host}|${u.unit}|${u.child?.pid}`);
    return since !== undefined && Date.now() - since >= 3000;
  };
  let lastSockets: Array<SocketEntry & { owner?: { host: string; unit: string; pid: number } }> = [];
  const sample = () => {
    const byInode = owners();
    seenConnected = new Set();
    lastSockets = allSockets().map((s) => ({ ...s, owner: byInode.get(s.inode) }));
    const listening = new Map<string, { host: string; unit: string }>();
    for (const s of lastSockets) {
      if (!s.owner) continue;
      if ((s.proto === 'tcp' && s.state === 'LISTEN') || (s.proto === 'udp' && s.remotePort === 0)) {
        const info = twinPorts.get(key(s.proto, s.localPort));
        listening.set(key(s.proto, s.localPort), s.owner);
        const lk = `${s.owner.host}|${s.proto}|${s.localPort}|${s.localIp}`;
        if (!listeners.has(lk)) {
          const hostAddress = hostAddressUnits.has(`${s.owner.host}|${s.owner.unit}`) && s.localIp === '127.0.0.1';
          listeners.set(lk, { host: s.owner.host, unit: s.owner.unit, proto: s.proto, bind: s.localIp, port: info?.port ?? s.localPort, service: info?.service ?? 'unexpected listener', twinPort: s.localPort, ...(hostAddress ? { hostAddress } : {}) });
        }
      }
    }
    for (const s of lastSockets) {
      if (!s.owner || s.proto !== 'tcp' || s.state !== 'ESTABLISHED') continue;
      const server = listening.get(key('tcp', s.remotePort));
      if (!server || listening.has(key('tcp', s.localPort))) continue; // not a client-side socket
      const info = twinPorts.get(key('tcp', s.remotePort));
      addFlow({ from: s.owner.host, to: server.host, proto: 'tcp', port: info?.port ?? s.remotePort, service: info?.service ?? 'unknown' }, 'socket');
      if (info?.service === 'nats-client') seenConnected.add(`${s.owner.host}|${s.owner.unit}|${s.owner.pid}`);
    }
  };
  const sampleAndTrack = () => {
    sample();
    const now = Date.now();
    for (const k of seenConnected) if (!connectedSince.has(k)) connectedSince.set(k, now);
    for (const k of [...connectedSince.keys()]) if (!seenConnected.has(k)) connectedSince.delete(k);
  };
  const ownerOfPort = (port: number) => {
    const find = () => lastSockets.find((s) => s.proto === 'tcp' && s.localPort === port && s.owner)?.owner;
    // A connection made since the last sample: look again before calling it a stranger.
    return find() ?? (sample(), find());
  };

  const startUnit = async (h: (typeof hosts)[number], unit: string) => {
    const text = renderUnits(cfg)[`${unit}.service`];
    if (!text) {
      const why = UNRUNNABLE_UNITS[unit];
      if (why) h.report.skipped.push({ unit, why });
      else h.report.problems.push(`user data enables ${unit}, which the AMI does not install (ami/units.ts)`);
      return;
    }
    const spec = parseUnit(unit, text);
    const vars = { ...h.env, ...spec.environment };
    const env = { ...baseEnv(h), ...vars };
    const logFile = path.join(h.dir, 'var', 'log', `${unit}.log`);
    for (const pre of spec.execStartPre) await runPre(localArgv(rt, expandExec(pre, vars), h.dir), env, rt.root, logFile);
    const prodArgv = expandExec(spec.execStart, vars);
    // The host's own private address (e.g. --prometheus-host 10.40.1.10) is 127.0.0.1 here.
    const ip = h.stack.net.ip;
    const argv = localArgv(rt, prodArgv, h.dir).map((a) => a.split(ip).join('127.0.0.1'));
    if (prodArgv.some((a) => a.includes(ip))) hostAddressUnits.add(`${h.stack.name}|${unit}`);
    const running: RunningUnit = { host: h.stack.name, unit, argv, restarts: 0, exits: [], logFile };
    const launch = () => {
      if (stopping) return;
      const out = openSync(logFile, 'a');
      const child = spawn(running.argv[0]!, running.argv.slice(1), { env, cwd: rt.root, stdio: ['ignore', out, out] });
      closeSync(out);
      running.child = child;
      child.once('exit', (code, signal) => {
        running.exits.push({ code, signal });
        if (stopping) return;
        // Restart=always, RestartSec=1, as the unit says; a unit that keeps dying is reported.
        if (running.restarts >= 5) { h.report.problems.push(`${unit} exited ${running.exits.length} times; giving up (see ${logFile})`); return; }
        running.restarts++;
        setTimeout(() => { if (!stopping) launch(); }, 1000);
      });
    };
    launch();
    children.push(running);
    h.units.push(running);
    h.report.units.push({ unit, command: prodArgv.join(' ').split(h.dir).join(''), restarts: 0, exits: [] });
  };

  const stopAll = async () => {
    stopping = true;
    const live = children.filter((u) => u.child && u.child.exitCode === null && u.child.signalCode === null);
    for (const u of [...live].reverse()) { try { u.child!.kill('SIGTERM'); } catch { /* gone */ } }
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && live.some((u) => u.child!.exitCode === null && u.child!.signalCode === null)) await sleep(50);
    for (const u of live) if (u.child!.exitCode === null && u.child!.signalCode === null) { try { u.child!.kill('SIGKILL'); } catch { /* gone */ } }
  };
  // However this process ends, nothing the twin started outlives it.
  const killHook = () => { for (const u of children) { try { u.child?.kill('SIGKILL'); } catch { /* gone */ } } };
  process.once('exit', killHook);

  let sampler: NodeJS.Timeout | undefined;
  // Ctrl-C reaches the children too (same process group): none of them may be restarted after it.
  opts.signal?.addEventListener('abort', () => { stopping = true; }, { once: true });
  try {
    say(`booting ${hosts.length} hosts from their user data`);
    await Promise.all(hosts.map(async (h) => {
      if (!h.stack.userData) { h.report.problems.push('no user data to boot from'); return; }
      const imds = {
        DSM_TWIN_IMDS_INSTANCE_ID: h.instanceId, DSM_TWIN_IMDS_LOCAL_IPV4: h.stack.net.ip,
        DSM_TWIN_IMDS_AZ: cfg.aws!.az, DSM_TWIN_IMDS_AZ_ID: 'use1-az1',
      };
      const boot = await bootHost(rt, h.dir, h.stack.userData, { ...baseEnv(h), ...imds }, opts.signal);
      h.env = boot.environment;
      h.report.shipsLogsTo = boot.shippedLogGroups;
      h.report.booted = boot.ok;
      if (!boot.ok) h.report.problems.push(`user data failed: ${boot.log.trim().split('\n').slice(-3).join(' | ')}`);
      (h as { enabled?: string[] }).enabled = boot.units;
    }));
    if (opts.signal?.aborted) throw new Error('interrupted');

    sampler = setInterval(() => { try { sampleAndTrack(); } catch { /* a process exited mid-read */ } }, 500);
    // nats-server first (as systemd's network-online ordering and the clients' retries would have it), then the rest.
    const enabled = (h: (typeof hosts)[number]) => ((h as { enabled?: string[] }).enabled ?? []);
    say('starting nats-server on the NATS hosts');
    await Promise.all(hosts.filter((h) => h.report.booted && enabled(h).includes('nats-server')).map((h) => startUnit(h, 'nats-server').catch((e: Error) => { h.report.problems.push(`nats-server: ${e.message}`); })));
    const monitors = natsNodes({ ...cfg, nats: { ...cfg.nats, placement: 'loopback', ports: base.nats.ports } } as DsmConfig).map((node) => ({ node, url: `http://127.0.0.1:${node.monitorPort}` }));
    const routesDeadline = Date.now() + 30_000;
    while (Date.now() < routesDeadline && !opts.signal?.aborted) {
      const counts = await Promise.all(monitors.map((m) => fetchRoutez(m.url, 1000).then((r) => r.num_routes, () => -1)));
      if (counts.every((c) => c === n - 1)) break;
      await sleep(200, opts.signal);
    }
    if (opts.signal?.aborted) throw new Error('interrupted');
    say('starting the other units (metrics agents, ingest pair, subscribers)');
    for (const h of hosts) {
      for (const unit of enabled(h).filter((u) => u !== 'nats-server')) {
        if (opts.signal?.aborted) throw new Error('interrupted');
        await startUnit(h, unit).catch((e: Error) => { h.report.problems.push(`${unit}: ${e.message}`); });
      }
    }
    // Node services start slowly on a loaded machine: the clock starts once each has connected.
    const clients = children.filter((u) => u.unit !== 'nats-server');
    const readyDeadline = Date.now() + (opts.readyTimeoutSeconds ?? 180) * 1000;
    say(`waiting for ${clients.length} services to connect to NATS`);
    while (Date.now() < readyDeadline && !opts.signal?.aborted && clients.some((u) => !isConnected(u))) await sleep(500, opts.signal);
    for (const u of clients) {
      if (!isConnected(u)) hosts.find((h) => h.stack.name === u.host)!.report.problems.push(`${u.unit} made no NATS connection within ${opts.readyTimeoutSeconds ?? 180}s (see ${u.logFile})`);
    }
    say(`running for ${opts.seconds}s`);
    await sleep(opts.seconds * 1000, opts.signal);
    if (opts.signal?.aborted) throw new Error('interrupted');

    // What the servers themselves say about their connections.
    sample();
    for (const m of monitors) {
      const [connz, routez] = await Promise.all([fetchConnz(m.url, { timeoutMs: 2000 }).catch(() => undefined), fetchRoutez(m.url, 2000).catch(() => undefined)]);
      if (!connz || !routez) { problems.push(`${m.node.name}: monitoring endpoint did not answer`); continue; }
      for (const c of connz.connections ?? []) {
        const owner = ownerOfPort(c.port);
        if (!owner) { unmapped.add(`${m.node.name} /connz: client ${c.name ?? '?'} from ${c.ip}:${c.port} is no twin process`); continue; }
        addFlow({ from: owner.host, to: m.node.name, proto: 'tcp', port: cfg.nats.ports.client, service: 'nats-client' }, 'connz', c.name ? `${c.name} (${owner.unit})` : owner.unit);
      }
      for (const r of routez.routes ?? []) {
        const peer = ownerOfPort(r.port);
        if (!peer) { unmapped.add(`${m.node.name} /routez: route to ${r.remote_name ?? r.remote_id} via ${r.ip}:${r.port} is no twin process`); continue; }
        const listenerPort = twinPorts.get(key('tcp', r.port));
        // Our end dialled if the far port is the peer's route listener; else the peer dialled us.
        if (listenerPort?.service === 'nats-route') addFlow({ from: m.node.name, to: peer.host, proto: 'tcp', port: cfg.nats.ports.cluster, service: 'nats-route' }, 'routez');
        else addFlow({ from: peer.host, to: m.node.name, proto: 'tcp', port: cfg.nats.ports.cluster, service: 'nats-route' }, 'routez');
      }
    }
  } finally {
    if (sampler) clearInterval(sampler);
    await stopAll();
    process.removeListener('exit', killHook);
  }

  for (const h of hosts) {
    h.report.units = h.report.units.map((u) => {
      const r = h.units.find((x) => x.unit === u.unit);
      return { ...u, pid: r?.child?.pid, restarts: r?.restarts ?? 0, exits: r?.exits ?? [] };
    });
  }

  // Metric contract.
  const requests: RecordedRequest[] = existsSync(rt.cloudwatchFile)
    ? readFileSync(rt.cloudwatchFile, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as RecordedRequest)
    : [];
  const metrics = { ...checkMetricContract(refs, emittedMetrics(requests), cfg.metrics.namespace, opts.allowMissing ?? []), allowedMissing: opts.allowMissing ?? [] };

  // Flow contract.
  const net = new Map(hosts.map((h) => [h.stack.name, h.stack.net]));
  const observed = [...flows.values()].sort((a, b) => `${a.from}${a.to}${a.port}`.localeCompare(`${b.from}${b.to}${b.port}`));
  const denied: DeniedFlow[] = [];
  for (const f of observed) {
    const v = evaluateFlow(model, net.get(f.from)!, net.get(f.to)!, f.proto, f.port);
    if (!v.allowed) denied.push({ ...f, reasons: v.reasons });
  }
  const listenerList = [...listeners.values()].sort((a, b) => `${a.host}${a.port}`.localeCompare(`${b.host}${b.port}`));
  const unreachable = unreachablePorts(model, hosts.map((h) => h.stack), listenerList, twinPorts);

  const logs = logContract(json, hosts.map((h) => h.report));

  const hostProblems = hosts.flatMap((h) => h.report.problems.map((p) => `${h.stack.name}: ${p}`));
  const allProblems = [...problems, ...hostProblems];
  const ok = allProblems.length === 0 && denied.length === 0 && unreachable.length === 0 && logs.unshipped.length === 0 && logs.unknown.length === 0 && metrics.missing.every((m) => m.allowed);
  const report: TwinReport = {
    ok, env: cfg.env, stack, seconds: opts.seconds, metrics,
    flows: { observed, denied, unmapped: [...unmapped], unresolvedRules: model.unresolved },
    listeners: { observed: listenerList, unreachable },
    logs,
    hosts: hosts.map((h) => h.report), problems: allProblems, dir,
  };
  if (!opts.keep && !opts.dir) rmSync(dir, { recursive: true, force: true });
  return report;
}

/**
 * Ports the security groups open to another tier (or a CIDR) on a tier that has twin hosts, where
 * no host of that tier listens in a way another host could reach: nothing listening, or bound to
 * loopback only. NATS listeners count as reachable whatever they bind here: the twin moved them
 * to loopback, on AWS they bind the node's private address.
 */
export function unreachablePorts(model: NetworkModel, hosts: StackHost[], listeners: ListenerReport[], twinPorts: Map<string, PortInfo>): UnreachablePort[] {
  const out: UnreachablePort[] = [];
  const tiers = new Map<string, StackHost[]>();
  for (const h of hosts) for (const sg of h.net.sgs) tiers.set(sg, [...(tiers.get(sg) ?? []), h]);
  for (const [sg, members] of tiers) {
    for (const r of model.sgRules.filter((x) => x.sg === sg && x.direction === 'ingress')) {
      const names = new Set(members.map((m) => m.name));
      const protos: Protocol[] = r.protocol === '-1' ? ['tcp', 'udp'] : r.protocol === 'udp' || r.protocol === '17' ? ['udp'] : ['tcp'];
      const here = listeners.filter((l) => names.has(l.host) && protos.includes(l.proto) && l.port >= r.from && l.port <= r.to);
      const reachable = here.filter((l) => twinPorts.get(`${l.proto}/${l.twinPort}`)?.movedBind || l.hostAddress || !/^127\.|^::1$/.test(l.bind));
      if (reachable.length) continue;
      const ports = r.from === r.to ? String(r.from) : `${r.from}-${r.to}`;
      const from = r.refSg ? (model.sgNames.get(r.refSg) ?? r.refSg) : r.cidrs.join(',') || (r.unresolved ?? '?');
      out.push({
        tier: model.sgNames.get(sg) ?? sg, proto: r.protocol, ports, from, rule: r.id,
        why: here.length ? `only on loopback (${here.map((l) => `${l.host} ${l.unit} ${l.bind}`).join(', ')}): unreachable from ${from}` : `nothing on ${[...names].join(', ')} listens there`,
      });
    }
  }
  return out;
}

/**
 * Every CloudWatch Logs group of the stack that AWS itself does not write (VPC flow logs) must be
 * one some host's CloudWatch agent ships into; and no host ships into a group the stack lacks.
 */
export function logContract(json: Json, hosts: Array<Pick<HostReport, 'shipsLogsTo'>>): TwinReport['logs'] {
  const groups = Object.entries((json?.resource?.aws_cloudwatch_log_group ?? {}) as Record<string, Json>);
  const byAws = new Set(Object.values((json?.resource?.aws_flow_log ?? {}) as Record<string, Json>)
    .map((f) => /^\$\{aws_cloudwatch_log_group\.([^.}]+)\.(arn|name)\}$/.exec(String(f.log_destination ?? f.log_group_name ?? ''))?.[1])
    .filter(Boolean) as string[]);
  const serviceGroups = groups.filter(([n]) => !byAws.has(n)).map(([, g]) => String(g.name));
  const shipped = new Set(hosts.flatMap((h) => h.shipsLogsTo));
  const all = new Set(groups.map(([, g]) => String(g.name)));
  return { groups: serviceGroups.sort(), unshipped: serviceGroups.filter((g) => !shipped.has(g)).sort(), unknown: [...shipped].filter((g) => !all.has(g)).sort() };
}
