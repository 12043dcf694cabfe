/**
 * The engine's contract with a scripted target and load: order of phases, fault/detect/recovery
 * timing from the load's counters, refusal before anything changes, rollback after any failure.
 */
import { runDrill } from './engine.js';
import { renderMarkdown, summary } from './report.js';
import { parseRunbook } from './runbook.js';
import { nowMs } from './trail.js';
import type { Call, CheckOutcome, DrillContext, DrillLoad, DrillTarget, LoadCounters, SubscriberCounters } from './types.js';

const RUNBOOK = `# Scripted

## Purpose
test
## Preconditions
\`\`\`drill
step: healthy
expect: routes-full
\`\`\`
## Steps
\`\`\`drill
step: break
local: kill-nats-node node=2
aws: none
fault: yes
expect: routes-degraded within=1s
\`\`\`
\`\`\`drill
step: wait-recovery
local: none
aws: none
expect: updates-resumed within=2s
\`\`\`
\`\`\`drill
step: repair
local: start-nats-node node=2
aws: none
\`\`\`
## Verification
\`\`\`drill
step: whole
expect: routes-full within=1s
\`\`\`
## Rollback
\`\`\`drill
step: ensure
local: start-nats-node node=2
aws: none
\`\`\`
## Metrics to watch
- \`NatsRoutes\`
`;

/** A cluster that degrades when told, notices after `detectAfterMs`, and heals on start. */
class ScriptedTarget implements DrillTarget {
  readonly name = 'local' as const;
  calls: string[] = [];
  degraded = false;
  brokeAt = 0;
  failOn: string | undefined;
  preflightProblems: string[] = [];
  constructor(private readonly detectAfterMs = 30) {}
  async preflight(): Promise<string[]> { return this.preflightProblems; }
  async action(call: Call, ctx: DrillContext) {
    this.calls.push(`${ctx.dryRun ? 'plan ' : ''}${call.name}`);
    if (call.name === this.failOn) throw new Error(`${call.name} exploded`);
    if (ctx.dryRun) { ctx.plan.push(call.name); return; }
    if (call.name === 'kill-nats-node') { this.degraded = true; this.brokeAt = nowMs(); return { detail: 'killed' }; }
    if (call.name === 'start-nats-node') this.degraded = false;
    return undefined;
  }
  async check(call: Call): Promise<CheckOutcome> {
    this.calls.push(`check ${call.name}`);
    const noticed = this.degraded && nowMs() - this.brokeAt >= this.detectAfterMs;
    if (call.name === 'routes-degraded') return { ok: noticed, detail: noticed ? 'noticed' : 'not yet' };
    return { ok: !this.degraded, detail: this.degraded ? 'degraded' : 'full' };
  }
  async close() {}
}

/** A load whose subscribers stop receiving at the fault and resume `outageMs` later. */
class ScriptedLoad implements DrillLoad {
  readonly description = 'scripted';
  private timer: NodeJS.Timeout | undefined;
  private published = 0;
  private subs: SubscriberCounters[] = ['a', 'b'].map((name) => ({ name, received: 0, gaps: 0, resyncs: 0, duplicatesDropped: 0, lastUpdateAt: undefined, disconnects: 0 }));
  outageFrom = Infinity;
  closed = false;
  constructor(private readonly target: ScriptedTarget, private readonly outageMs: number, private readonly consistent = true) {}
  async start() {
    this.timer = setInterval(() => {
      const t = nowMs();
      if (this.target.degraded && this.outageFrom === Infinity) this.outageFrom = this.target.brokeAt;
      this.published++;
      for (const s of this.subs) {
        // Subscriber b is the one cut off; a keeps receiving throughout.
        if (s.name === 'b' && t >= this.outageFrom && t < this.outageFrom + this.outageMs) continue;
        s.received++;
        s.lastUpdateAt = t;
        s.lastPublishedAt = t;
      }
    }, 2);
  }
  snapshotCounters(): LoadCounters { return { published: this.published, subscribers: this.subs.map((s) => ({ ...s })) }; }
  async stop() { clearInterval(this.timer); this.subs[1]!.gaps = 1; this.subs[1]!.resyncs = 1; return this.snapshotCounters(); }
  async booksConsistent() { return this.consistent; }
  async close() { this.closed = true; }
}

const rb = () => parseRunbook(RUNBOOK, 'scripted.md');

describe('drill engine', () => {
  it('runs preconditions, steps, verification and rollback in order and measures detect and recovery', async () => {
    const target = new ScriptedTarget(30);
    const load = new ScriptedLoad(target, 150);
    const r = await runDrill(rb(), { target, load, warmupMs: 100, checkPollMs: 2 });
    expect(r.failures).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.timeline.map((e) => e.phase)).toEqual(['preflight', 'preconditions', 'load', 'load', 'steps', 'steps', 'steps', 'steps', 'steps', 'verification', 'rollback', 'load']);
    expect(r.detect_ms!).toBeGreaterThanOrEqual(30);
    expect(r.detect_ms!).toBeLessThan(130);
    // b was silent for 150 ms after the fault; a received within a few ms.
    expect(r.recovery_ms!).toBeGreaterThanOrEqual(150);
    expect(r.recovery_ms!).toBeLessThan(260);
    const [a, b] = r.subscribers;
    expect(a!.recovery_ms!).toBeLessThan(30);
    expect(b!.recovery_ms).toBe(r.recovery_ms);
    expect(r).toMatchObject({ gaps: 1, resyncs: 1, duplicates_dropped: 0, books_consistent: true, rollback_ok: true, refused: null });
    expect(r.published!).toBeGreaterThan(50);
    expect(r.received!).toBeGreaterThan(r.published!);
    expect(load.closed).toBe(true);
    const s = summary(r);
    for (const k of ['drill', 'target', 'ok', 'published', 'received', 'gaps', 'resyncs', 'duplicates_dropped', 'detect_ms', 'recovery_ms', 'books_consistent']) expect(s).toHaveProperty(k);
    expect(renderMarkdown(r)).toMatch(/\| time to detect \(ms\) \| \d+/);
  });

  it('refuses a degraded cluster before touching it: no steps, no load, no rollback', async () => {
    const target = new ScriptedTarget();
    target.preflightProblems = ['nats-2 is down', 'nats-1 has 1/2 routes'];
    const load = new ScriptedLoad(target, 0);
    const r = await runDrill(rb(), { target, load });
    expect(r.ok).toBe(false);
    expect(r.refused).toBe('cluster already degraded: nats-2 is down; nats-1 has 1/2 routes');
    expect(target.calls).toEqual([]);
    expect(r.published).toBeNull();
  });

  it('always rolls back after a failed step, and reports the failure', async () => {
    const target = new ScriptedTarget();
    target.failOn = 'kill-nats-node';
    const r = await runDrill(rb(), { target, load: new ScriptedLoad(target, 0), warmupMs: 20 });
    expect(r.ok).toBe(false);
    expect(r.failures).toEqual(['break: kill-nats-node: kill-nats-node exploded']);
    expect(target.calls).toEqual(['check routes-full', 'kill-nats-node', 'start-nats-node']);
    expect(r.timeline.find((e) => e.phase === 'rollback')).toMatchObject({ step: 'ensure', ok: true });
  });

  it('a check that never comes true fails the drill after `within`, rollback still runs', async () => {
    const target = new ScriptedTarget(5000);
    const started = nowMs();
    const r = await runDrill(rb(), { target, load: new ScriptedLoad(target, 0), warmupMs: 20, checkPollMs: 5 });
    expect(nowMs() - started).toBeGreaterThanOrEqual(1000);
    expect(r.failures).toEqual(['break: routes-degraded: not yet']);
    expect(target.calls.slice(-1)).toEqual(['start-nats-node']);
    expect(target.degraded).toBe(false);
  });

  it('a failing rollback and inconsistent books make the drill not ok', async () => {
    const target = new ScriptedTarget(0);
    const r = await runDrill(rb(), { target, load: new ScriptedLoad(target, 0, false), warmupMs: 20, checkPollMs: 2 });
    expect(r.books_consistent).toBe(false);
    expect(r.ok).toBe(false);
    expect(r.failures).toEqual(['books differ between ingest and a subscriber']);
    const r2 = await runDrill(rb(), { target: Object.assign(new ScriptedTarget(0), { failOn: 'start-nats-node' }), warmupMs: 0, checkPollMs: 2 });
    expect(r2.rollback_ok).toBe(false);
    expect(r2.failures).toContain('rollback ensure: start-nats-node: start-nats-node exploded');
  });

  it('dry run plans every action and check without a load', async () => {
    const target = new ScriptedTarget();
    const r = await runDrill(rb(), { target, load: new ScriptedLoad(target, 0), dryRun: true });
    expect(r.plan).toEqual([
      '[preconditions] healthy: check routes-full', 'kill-nats-node', '[steps] break: check routes-degraded within 1s',
      '[steps] wait-recovery: check updates-resumed within 2s', 'start-nats-node', '[verification] whole: check routes-full within 1s', 'start-nats-node',
    ]);
    expect(r.load).toBeNull();
    expect(target.degraded).toBe(false);
  });
});

describe('drill engine preflight errors', () => {
  it('refuses when health cannot be checked, and says that is why', async () => {
    const target = new ScriptedTarget();
    target.preflight = () => Promise.reject(new Error('EC2 DescribeInstances failed: CredentialsProviderError: Could not load credentials from any providers'));
    const r = await runDrill(rb(), { target });
    expect(r.refused).toBe("cannot check the cluster's health: EC2 DescribeInstances failed: CredentialsProviderError: Could not load credentials from any providers");
    expect(target.calls).toEqual([]);
  });
});

describe('drill engine repair step', () => {
  it('times recovery from the repair step when the runbook has one', async () => {
    const text = RUNBOOK.replace('step: repair\nlocal: start-nats-node node=2\naws: none', 'step: repair\nlocal: start-nats-node node=2\naws: none\nrepair: yes\nexpect: updates-resumed within=1s')
      .replace('step: wait-recovery\nlocal: none\naws: none\nexpect: updates-resumed within=2s', 'step: wait-recovery\nlocal: hold for=100ms\naws: none');
    const target = new ScriptedTarget(0);
    // b is cut off for 400 ms after the fault; the repair comes 100 ms after the fault.
    const r = await runDrill(parseRunbook(text, 'r.md'), { target, load: new ScriptedLoad(target, 400), warmupMs: 50, checkPollMs: 2 });
    expect(r.failures).toEqual([]);
    expect(r.recovery_from).toBe('repair');
    expect(r.recovery_ms!).toBeGreaterThan(250);
    expect(r.recovery_ms!).toBeLessThan(450);
  });
});

describe('drill engine abort', () => {
  it('an abort stops the forward path during a hold and still rolls back', async () => {
    const text = RUNBOOK.replace('step: wait-recovery\nlocal: none', 'step: wait-recovery\nlocal: hold for=10s');
    const target = new ScriptedTarget(0);
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 300);
    const started = nowMs();
    const r = await runDrill(parseRunbook(text, 'r.md'), { target, load: new ScriptedLoad(target, 0), warmupMs: 50, checkPollMs: 2, signal: abort.signal });
    expect(nowMs() - started).toBeLessThan(3000);
    expect(r.ok).toBe(false);
    expect(r.failures).toEqual(['interrupted: the drill was stopped before it finished (rollback ran)']);
    expect(target.calls.slice(-1)).toEqual(['start-nats-node']);
    expect(target.degraded).toBe(false);
    expect(r.books_consistent).toBe(true);
  });
});
