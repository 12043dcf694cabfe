/**
 * Where the CPU goes, per process, per message: raw nats.js against the DSM pipeline on the same
 * 3-node cluster and payloads (as `dsm bench pipeline`), as-fast-as-possible runs, with the CPU
 * time (user + system, every thread) each process spent during the run divided by the messages
 * delivered: the publisher (this process), the subscriber process and each nats-server.
 *
 * On a machine where every process shares the same cores, throughput is roughly cores / total
 * CPU per message, so this splits a throughput gap into who pays for it.
 *
 *   npx tsx bench/cpu-split.ts --symbols 10000 --messages 200000 --rounds 3 [--workers 0]
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load.js';
import { monoNs } from '../services/common/clock.js';
import { IngestService } from '../services/ingest/service.js';
import { connectAs } from '../services/nats/connect.js';
import { LocalCluster } from '../services/nats/local-cluster.js';
import { withFreeLoopbackPorts } from '../services/nats/ports.js';
import { stampPublishTime } from '../services/wire/index.js';
import { makeUpdates, offer, rawPayloads } from './pipeline.js';
import { CpuProfiler, GcCounter, type Frame } from './probes.js';
import type { FromScaleSub, ToScaleSub } from './scale-subscriber.js';

const TICK_US = 1e6 / 100; // CLK_TCK is 100 on Linux

/** utime + stime of every thread of `pid`, in µs (10 ms resolution: runs must be long enough). */
export function procCpuUs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * TICK_US;
}

const selfCpuUs = () => { const u = process.cpuUsage(); return u.user + u.system; };

/** CPU µs per thread name (main, V8 GC workers, libuv pool...) of `pid`, user and system apart. */
export function threadCpuUs(pid: number | 'self'): Map<string, { user: number; sys: number }> {
  const out = new Map<string, { user: number; sys: number }>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let stat: string;
    try { stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8'); } catch { continue; }
    const self = pid === 'self' ? String(process.pid) : String(pid);
    const name = tid === self ? 'main' : stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replace(/[0-9]+$/, '#');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const e = out.get(name) ?? { user: 0, sys: 0 };
    e.user += Number(f[11]) * TICK_US;
    e.sys += Number(f[12]) * TICK_US;
    out.set(name, e);
  }
  return out;
}

function threadDelta(a: Map<string, { user: number; sys: number }>, b: Map<string, { user: number; sys: number }>, n: number): string {
  return [...b].map(([k, v]) => { const o = a.get(k) ?? { user: 0, sys: 0 }; return [k, (v.user - o.user) / n, (v.sys - o.sys) / n] as const; })
    .filter(([, u, s]) => u + s > 0.01).map(([k, u, s]) => `${k} ${u.toFixed(2)}u+${s.toFixed(2)}s`).join(', ');
}

class Child {
  readonly proc: ChildProcess;
  private waiters: Array<(m: FromScaleSub) => void> = [];
  constructor() {
    // CPU_SPLIT_SUB_ARGS: extra node flags for the subscriber (e.g. --trace-gc).
    const extra = process.env.CPU_SPLIT_SUB_ARGS?.split(' ').filter(Boolean) ?? [];
    this.proc = fork(fileURLToPath(new URL('./scale-subscriber.ts', import.meta.url)), [], { execArgv: ['--import', 'tsx', ...extra], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.proc.on('message', (m: FromScaleSub) => this.waiters.shift()?.(m));
  }
  ask(m: ToScaleSub): Promise<FromScaleSub> {
    return new Promise((resolve) => { this.waiters.push(resolve); this.proc.send(m); });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { symbols: { type: 'string', default: '50' }, messages: { type: 'string', default: '200000' }, rounds: { type: 'string', default: '2' }, workers: { type: 'string', default: '0' }, only: { type: 'string' }, profile: { type: 'string' }, rate: { type: 'string', default: '0' } } });
  const rate = Number(values.rate);
  const symbols = Number(values.symbols);
  const messages = Number(values.messages);
  const rounds = Number(values.rounds);
  const workers = Number(values.workers);
  const cfg = await withFreeLoopbackPorts(loadConfig('local'));
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dsm-cpu-split-'));
  const cluster = new LocalCluster(cfg, { dir });
  const child = new Child();
  try {
    await cluster.start();
    const natsPids = cluster.ownPids();
    const updates = makeUpdates(messages, symbols);
    const { payloads, subjects } = rawPayloads(updates, cfg.subjects.dataSuffix);
    const pub = await connectAs(cfg, 'ingest', { tlsDir: cluster.tlsDir, servers: [cluster.clientUrls[0]!], name: 'cpu-split-raw-pub' });
    await child.ask({ cmd: 'init', config: cfg, tlsDir: cluster.tlsDir, server: cluster.clientUrls[2]!, name: 'cpu-split-sub' });
    const subSubjects = [`BENCH.*.${cfg.subjects.dataSuffix}`];
    const n = payloads.length;
    const rows: string[] = [];
    const run = async (mode: 'raw' | 'dsm', profile?: string) => {
      const ingest = mode === 'dsm' ? new IngestService({ config: cfg, tlsDir: cluster.tlsDir, root: process.cwd(), pace: { mode: 'max' }, sources: [], workers, servers: [cluster.clientUrls[0]!], publisherId: 'cpu-split' }) : undefined;
      await ingest?.start();
      await child.ask({ cmd: 'start', mode, expected: n, subjects: subSubjects, ...(profile ? { profileFile: `${profile}-sub.cpuprofile` } : {}) });
      const profiler = new CpuProfiler();
      if (profile) await profiler.start();
      await new Promise((r) => setTimeout(r, 200));
      const before = { pub: selfCpuUs(), sub: procCpuUs(child.proc.pid!), nats: natsPids.map(procCpuUs), pubT: threadCpuUs('self'), subT: threadCpuUs(child.proc.pid!) };
      const gcs = new GcCounter();
      gcs.start();
      const t0 = monoNs();
      const collected = child.ask({ cmd: 'collect', books: false, timeoutMs: 60_000 });
      if (ingest) await offer(updates.length, rate, (i) => ingest.route(updates.at(i)), () => ingest.flush());
      else {
        await offer(n, rate, (i) => { const p = payloads[i]!; stampPublishTime(p, monoNs()); pub.publish(subjects[i]!, p); }, () => undefined);
        await pub.flush();
      }
      const pubDone = monoNs();
      const r = (await collected) as Extract<FromScaleSub, { ev: 'result' }>;
      const g = await gcs.stop();
      const after = { pub: selfCpuUs(), sub: procCpuUs(child.proc.pid!), nats: natsPids.map(procCpuUs), pubT: threadCpuUs('self'), subT: threadCpuUs(child.proc.pid!) };
      if (profile) {
        const show = (who: string, frames: Frame[]) => process.stdout.write(`${who}:\n${frames.map((f) => `  ${f.selfPct.toFixed(1).padStart(5)}%  ${f.fn}  ${f.where}`).join('\n')}\n`);
        show(`${mode} publisher`, await profiler.stop(`${profile}-pub.cpuprofile`, 30));
        show(`${mode} subscriber`, r.frames ?? []);
      }
      await ingest?.stop();
      const per = (a: number, b: number) => (b - a) / n;
      const nats = after.nats.map((x, i) => per(before.nats[i]!, x));
      const pubUs = per(before.pub, after.pub);
      const subUs = per(before.sub, after.sub);
      const total = pubUs + subUs + nats.reduce((a, b) => a + b, 0);
      const msgsPerS = (r.received * 1e9) / (r.lastNs - t0);
      const line = `${mode.padEnd(4)} ${String(Math.round(msgsPerS)).padStart(7)} msg/s  µs CPU per msg: pub ${pubUs.toFixed(2)}  sub ${subUs.toFixed(2)}  nats ${nats.map((x) => x.toFixed(2)).join(' / ')}  total ${total.toFixed(2)}  (received ${r.received}${r.complete ? '' : ', INCOMPLETE'}; publisher done at ${Math.round((pubDone - t0) / 1e6)} ms, last receive ${Math.round((r.lastNs - t0) / 1e6)} ms)`;
      rows.push(line);
      process.stdout.write(`${line}\n       pub threads: ${threadDelta(before.pubT, after.pubT, n)}; GCs ${g.minor} minor + ${g.major} major, ${g.ms} ms; sub GCs ${r.gc.minor} + ${r.gc.major}, ${r.gc.ms} ms\n       sub threads: ${threadDelta(before.subT, after.subT, n)}\n`);
    };
    process.stdout.write(`${symbols} symbols, ${n} messages, workers ${workers}, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);
    for (let round = 0; round < rounds; round++) {
      if (values.only !== 'dsm') await run('raw');
      if (values.only !== 'raw') await run('dsm');
    }
    if (values.profile) { await run('raw', `${values.profile}-raw`); await run('dsm', `${values.profile}-dsm`); }
    process.stdout.write(`load at end ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);
    await pub.close();
  } finally {
    child.proc.send({ cmd: 'exit' } satisfies ToScaleSub);
    await new Promise((r) => setTimeout(r, 300));
    child.proc.kill('SIGKILL');
    await cluster.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) void main().then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
