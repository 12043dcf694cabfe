/**
 * What the scale benchmark measures inside a process besides latency: CPU profiles (the V8
 * inspector, the same data `node --cpu-prof` writes), garbage collections (perf_hooks GC
 * entries) and retained memory (heap + array buffers after a forced full GC).
 */
import { Session } from 'node:inspector/promises';
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';

export interface Frame { fn: string; where: string; selfPct: number; selfMs: number }

interface ProfileNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }
interface CpuProfile { nodes: ProfileNode[]; startTime: number; endTime: number; samples?: number[] }

export class CpuProfiler {
  private session: Session | undefined;

  async start(): Promise<void> {
    this.session = new Session();
    this.session.connect();
    await this.session.post('Profiler.enable');
    await this.session.post('Profiler.setSamplingInterval', { interval: 100 });
    await this.session.post('Profiler.start');
  }

  /** Stop; writes the profile (Chrome DevTools / `--cpu-prof` format) to `file` when given and returns its top self-time frames. */
  async stop(file?: string, top = 12): Promise<Frame[]> {
    const s = this.session;
    if (!s) return [];
    const { profile } = (await s.post('Profiler.stop')) as unknown as { profile: CpuProfile };
    s.disconnect();
    this.session = undefined;
    if (file) await writeFile(file, JSON.stringify(profile));
    return topFrames(profile, top);
  }
}

/** Self time per function (by name and location), highest first; idle and GC kept visible. */
export function topFrames(profile: CpuProfile, top = 12): Frame[] {
  const total = profile.nodes.reduce((a, n) => a + (n.hitCount ?? 0), 0) || 1;
  const ms = (profile.endTime - profile.startTime) / 1000;
  const by = new Map<string, Frame>();
  for (const n of profile.nodes) {
    const hits = n.hitCount ?? 0;
    if (hits === 0) continue;
    const cf = n.callFrame;
    const where = shortUrl(cf.url, cf.lineNumber);
    const fn = cf.functionName || '(anonymous)';
    const key = `${fn} ${where}`;
    const f = by.get(key) ?? { fn, where, selfPct: 0, selfMs: 0 };
    f.selfPct += (100 * hits) / total;
    f.selfMs += (ms * hits) / total;
    by.set(key, f);
  }
  return [...by.values()].sort((a, b) => b.selfPct - a.selfPct).slice(0, top).map((f) => ({ ...f, selfPct: Math.round(f.selfPct * 10) / 10, selfMs: Math.round(f.selfMs) }));
}

function shortUrl(url: string, line: number): string {
  if (!url) return '';
  const nm = url.lastIndexOf('node_modules/');
  const rel = nm >= 0 ? url.slice(nm + 'node_modules/'.length) : url.includes('/services/') || url.includes('/bench/') ? url.slice(url.search(/\/(services|bench)\//) + 1) : path.basename(url);
  // Lines are only meaningful for untranspiled code (tsx maps whole modules to one line).
  return line > 0 ? `${rel.replace(/^file:\/\//, '')}:${line + 1}` : rel.replace(/^file:\/\//, '');
}

export interface GcCounts { minor: number; major: number; other: number; ms: number }

/** Counts GCs between start() and stop() (entries arrive asynchronously: stop waits a turn). */
export class GcCounter {
  private counts: GcCounts = { minor: 0, major: 0, other: 0, ms: 0 };
  private readonly obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = (e as unknown as { detail?: { kind?: number } }).detail?.kind;
      if (kind === constants.NODE_PERFORMANCE_GC_MINOR) this.counts.minor++;
      else if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) this.counts.major++;
      else this.counts.other++;
      this.counts.ms += e.duration;
    }
  });

  start(): void {
    this.counts = { minor: 0, major: 0, other: 0, ms: 0 };
    this.obs.observe({ entryTypes: ['gc'] });
  }

  async stop(): Promise<GcCounts> {
    await new Promise((r) => setImmediate(r));
    this.obs.disconnect();
    return { ...this.counts, ms: Math.round(this.counts.ms * 10) / 10 };
  }
}

let gcFn: (() => void) | undefined;
/** A full GC without needing `--expose-gc` on the command line. */
export function fullGc(): void {
  if (!gcFn) {
    v8.setFlagsFromString('--expose-gc');
    gcFn = vm.runInNewContext('gc') as () => void;
  }
  gcFn();
  gcFn();
}

/** Bytes still reachable after a full GC (JS heap + array buffers). */
export function retainedBytes(): number {
  fullGc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}
