/**
 * Runs one runbook against one target under load:
 *   preflight (refuse if degraded) -> preconditions -> load warm-up -> steps (fault timed) ->
 *   verification -> ALWAYS rollback -> stop load, compare books -> report.
 * A failure anywhere stops the forward path but never skips the rollback.
 */
import { ENGINE_HANDLED, parseDuration } from './registry.js';
import type { DrillStep, Runbook } from './runbook.js';
import { nowMs, round, UpdateTrail } from './trail.js';
import type { Call, CheckOutcome, DrillContext, DrillLoad, DrillTarget, LoadCounters } from './types.js';
import { NotAvailableError } from './types.js';

export type Phase = 'preflight' | 'preconditions' | 'load' | 'steps' | 'verification' | 'rollback';

export interface TimelineEntry {
  /** Milliseconds since the drill started. */
  t_ms: number;
  at: string;
  phase: Phase;
  step?: string;
  what: string;
  ok: boolean;
  detail?: string;
}

export interface SubscriberSummary {
  name: string;
  received: number;
  gaps: number;
  resyncs: number;
  duplicates_dropped: number;
  disconnects: number;
  recovery_ms: number | null;
}

export interface DrillReport {
  drill: string;
  title: string;
  target: string;
  ok: boolean;
  dry_run: boolean;
  /** Set when the drill refused to start (cluster degraded, preconditions failed). */
  refused: string | null;
  started_at: string;
  duration_ms: number;
  load: string | null;
  published: number | null;
  received: number | null;
  gaps: number | null;
  resyncs: number | null;
  duplicates_dropped: number | null;
  detect_ms: number | null;
  recovery_ms: number | null;
  books_consistent: boolean | null;
  rollback_ok: boolean;
  failures: string[];
  subscribers: SubscriberSummary[];
  timeline: TimelineEntry[];
  /** Dry run: every call the drill would make. */
  plan: string[];
  /** What recovery_ms is timed from: the fault, or the runbook's repair step (e.g. a link restored). */
  recovery_from: 'fault' | 'repair' | null;
  /** How precisely recovery is timed (poll interval of the update trail). */
  recovery_resolution_ms: number | null;
}

export interface DrillOptions {
  target: DrillTarget;
  load?: DrillLoad;
  dryRun?: boolean;
  /** Load runs this long before the first step, so the baseline is steady. */
  warmupMs?: number;
  /** Default `within` for updates-resumed when the runbook gives none. */
  recoveryTimeoutMs?: number;
  /** How often checks are re-evaluated while `within` lasts. */
  checkPollMs?: number;
  trailPollMs?: number;
  /** Progress lines as the drill goes (the CLI prints them to stderr). */
  onEvent?: (e: TimelineEntry) => void;
  /**
   * Abort (Ctrl-C): the forward path stops at the next step, hold or poll, and the rollback
   * runs. Rollback steps themselves are not interrupted.
   */
  signal?: AbortSignal;
}

class StepFailed extends Error {}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sleep that ends early, with a StepFailed, when the drill is aborted. */
function abortableSleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return sleep(ms).then(() => undefined);
  if (signal.aborted) return Promise.reject(new StepFailed('interrupted'));
  return new Promise((resolve, reject) => {
    const onAbort = () => { clearTimeout(t); reject(new StepFailed('interrupted')); };
    const t = setTimeout(() => { signal.removeEventListener('abort', onAbort); resolve(); }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export async function runDrill(rb: Runbook, opts: DrillOptions): Promise<DrillReport> {
  const { target, load } = opts;
  const dryRun = opts.dryRun ?? false;
  const t0 = nowMs();
  const timeline: TimelineEntry[] = [];
  const failures: string[] = [];
  const ctx: DrillContext = { dryRun, baseline: undefined, load, memory: new Map(), plan: [] };
  const trail = load && !dryRun ? new UpdateTrail(load, opts.trailPollMs ?? 5) : undefined;
  let faultAt: number | undefined;
  let repairAt: number | undefined;
  let detectMs: number | undefined;
  let rollbackOk = true;
  let refused: string | null = null;
  let finalCounters: LoadCounters | undefined;
  let booksConsistent: boolean | null = null;

  const record = (phase: Phase, what: string, ok: boolean, detail?: string, step?: string) => {
    const t = nowMs();
    const e: TimelineEntry = { t_ms: round(t - t0), at: new Date(t).toISOString(), phase, ...(step ? { step } : {}), what, ok, ...(detail ? { detail } : {}) };
    timeline.push(e);
    opts.onEvent?.(e);
  };

  const steps = (section: DrillStep['section']) => rb.steps.filter((s) => s.section === section);
  // The rollback is never cut short by an abort; everything before it is.
  const pause = (phase: Phase, ms: number) => (phase === 'rollback' ? sleep(ms).then(() => undefined) : abortableSleep(ms, opts.signal));

  async function runCheck(phase: Phase, step: DrillStep, call: Call): Promise<CheckOutcome> {
    const withinMs = call.args.within ? parseDuration(call.args.within)! : call.name === 'updates-resumed' ? (opts.recoveryTimeoutMs ?? 10_000) : 0;
    const label = `check ${call.name}${call.args.within ? ` within ${call.args.within}` : ''}`;
    if (dryRun) { ctx.plan.push(`[${phase}] ${step.id}: ${label}`); return { ok: true, detail: 'dry run' }; }
    const started = nowMs();
    let last: CheckOutcome = { ok: false, detail: 'not evaluated' };
    for (;;) {
      try {
        last = call.name === 'updates-resumed' ? updatesResumed() : await target.check(call, ctx);
      } catch (err) {
        if (err instanceof NotAvailableError) { last = { ok: false, detail: err.message }; break; }
        last = { ok: false, detail: err instanceof Error ? err.message : String(err) };
      }
      if (last.ok || nowMs() - started >= withinMs) break;
      await pause(phase, call.name === 'updates-resumed' ? (opts.trailPollMs ?? 5) : (opts.checkPollMs ?? 10));
    }
    record(phase, label, last.ok, last.detail, step.id);
    return last;
  }

  function updatesResumed(): CheckOutcome {
    if (!trail) return { ok: true, detail: 'no load attached: nothing to measure' };
    const from = repairAt ?? faultAt;
    if (from === undefined) return { ok: false, detail: 'no fault step has run' };
    const what = repairAt !== undefined ? 'repair' : 'fault';
    const r = trail.recoveryMs(from);
    const waiting = Object.entries(r.perSubscriber).filter(([, v]) => v === null).map(([k]) => k);
    return r.recoveryMs !== undefined
      ? { ok: true, detail: `every subscriber received an update ${r.recoveryMs} ms after the ${what}` }
      : { ok: false, detail: `no update since the ${what} yet at ${waiting.join(', ')}` };
  }

  async function runAction(phase: Phase, step: DrillStep): Promise<void> {
    const call = step.actions[target.name];
    if (!call) return;
    const label = `${call.name}${Object.entries(call.args).map(([k, v]) => ` ${k}=${v}`).join('')}`;
    if (call.name === 'none') { record(phase, `none${call.args.reason ? `: ${call.args.reason}` : ''}`, true, undefined, step.id); return; }
    if (call.name === 'hold') {
      if (dryRun) ctx.plan.push(`[${phase}] ${step.id}: hold ${call.args.for}`); else await pause(phase, parseDuration(call.args.for!)!);
      record(phase, label, true, undefined, step.id);
      return;
    }
    if (ENGINE_HANDLED.has(call.name)) throw new StepFailed(`${call.name} is a check, not an action`);
    const started = nowMs();
    try {
      const out = await target.action(call, ctx);
      if (step.fault && !dryRun) faultAt = out?.faultAt ?? started;
      if (step.repair && !dryRun) repairAt = started;
      record(phase, label, true, out?.detail, step.id);
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      record(phase, label, false, msg, step.id);
      throw new StepFailed(`${step.id}: ${call.name}: ${msg}`);
    }
  }

  async function runExpects(phase: Phase, step: DrillStep): Promise<void> {
    let first = true;
    for (const e of step.expects) {
      if (!e.targets.includes(target.name)) continue;
      const r = await runCheck(phase, step, e.call);
      if (!r.ok) throw new StepFailed(`${step.id}: ${e.call.name}: ${r.detail}`);
      // Detection is the fault step's first check coming true (the system noticed the fault).
      if (first && step.fault && faultAt !== undefined && detectMs === undefined) detectMs = round(nowMs() - faultAt);
      first = false;
    }
  }

  // 1. Preflight: never start a drill on a cluster that is already degraded.
  let problems: string[];
  try {
    problems = await target.preflight(ctx);
    if (problems.length) refused = `cluster already degraded: ${problems.join('; ')}`;
  } catch (err) {
    // Health unknown is not health: refuse, but say it is the check that failed.
    problems = [err instanceof Error ? err.message : String(err)];
    refused = `cannot check the cluster's health: ${problems[0]}`;
  }
  if (refused) {
    record('preflight', 'health', false, problems.join('; '));
  } else {
    record('preflight', 'health', true, 'cluster healthy');
    for (const s of steps('preconditions')) {
      try { await runExpects('preconditions', s); } catch (err) { refused = `precondition ${(err as Error).message}`; break; }
    }
  }

  if (!refused) {
    try {
      if (load && !dryRun) {
        await load.start();
        trail!.start();
        record('load', 'load started', true, load.description);
        await abortableSleep(opts.warmupMs ?? 1000, opts.signal);
        ctx.baseline = load.snapshotCounters();
        const flowing = ctx.baseline.subscribers.every((s) => s.received > 0);
        record('load', 'baseline', flowing, `published ${ctx.baseline.published}, received ${ctx.baseline.subscribers.map((s) => `${s.name}=${s.received}`).join(' ')}`);
        if (!flowing) throw new StepFailed('load: a subscriber received nothing during warm-up');
      }
      const notAborted = () => { if (opts.signal?.aborted) throw new StepFailed('interrupted'); };
      for (const s of steps('steps')) { notAborted(); await runAction('steps', s); await runExpects('steps', s); }
      for (const s of steps('verification')) { notAborted(); await runExpects('verification', s); }
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      failures.push(opts.signal?.aborted ? 'interrupted: the drill was stopped before it finished (rollback ran)' : msg);
      if (opts.signal?.aborted) record('steps', 'interrupted', false, 'stopping the forward path; rolling back');
    } finally {
      for (const s of steps('rollback')) {
        try { await runAction('rollback', s); await runExpects('rollback', s); } catch (err) {
          rollbackOk = false;
          failures.push(`rollback ${err instanceof Error ? err.message : String(err)}`);
        }
      }
      if (load && !dryRun) {
        try {
          finalCounters = await load.stop();
          booksConsistent = await load.booksConsistent();
          record('load', 'books compared', booksConsistent, booksConsistent ? 'every subscriber book equals the ingest book' : 'a subscriber book differs from the ingest book');
        } catch (err) {
          failures.push(`load: ${err instanceof Error ? err.message : String(err)}`);
        } finally {
          trail!.stop();
          await load.close().catch(() => undefined);
        }
      }
    }
  }
  await target.close().catch(() => undefined);

  const recoveryFrom = repairAt ?? faultAt;
  const recovery = recoveryFrom !== undefined && trail ? trail.recoveryMs(recoveryFrom) : undefined;
  const sum = (k: 'received' | 'gaps' | 'resyncs' | 'duplicatesDropped') => finalCounters ? finalCounters.subscribers.reduce((a, s) => a + s[k], 0) : null;
  if (booksConsistent === false) failures.push('books differ between ingest and a subscriber');
  const ok = !refused && !failures.length && rollbackOk;
  return {
    drill: rb.name,
    title: rb.title,
    target: target.name,
    ok,
    dry_run: dryRun,
    refused,
    started_at: new Date(t0).toISOString(),
    duration_ms: round(nowMs() - t0),
    load: load && !dryRun ? load.description : null,
    published: finalCounters?.published ?? null,
    received: sum('received'),
    gaps: sum('gaps'),
    resyncs: sum('resyncs'),
    duplicates_dropped: sum('duplicatesDropped'),
    detect_ms: detectMs ?? null,
    recovery_ms: recovery?.recoveryMs ?? null,
    books_consistent: booksConsistent,
    rollback_ok: rollbackOk,
    failures,
    subscribers: (finalCounters?.subscribers ?? []).map((s) => ({
      name: s.name, received: s.received, gaps: s.gaps, resyncs: s.resyncs, duplicates_dropped: s.duplicatesDropped, disconnects: s.disconnects,
      recovery_ms: recovery?.perSubscriber[s.name] ?? null,
    })),
    timeline,
    plan: ctx.plan,
    recovery_from: recovery ? (repairAt !== undefined ? 'repair' : 'fault') : null,
    recovery_resolution_ms: trail ? trail.pollMs : null,
  };
}
