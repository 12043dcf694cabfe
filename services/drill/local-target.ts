/**
 * Local drill target: the real nats-server processes of a LocalCluster (attached, as tests and
 * `--ephemeral` start them, or detached, as `dsm up` does; both are found by pid) and the local
 * pipeline services behind `LocalServices`.
 */
import { fetchRoutez } from '../nats/monitor.js';
import type { LocalCluster, NodeStatus } from '../nats/local-cluster.js';
import { tlsPaths } from '../nats/tls-paths.js';
import { parseDuration } from './registry.js';
import { fileSerial, presentedSerial, restoreLeafCerts, rotateLeafCerts } from './rotate-certs.js';
import { nowMs } from './trail.js';
import { unavailableLocalServices, type ActionOutcome, type Call, type CheckOutcome, type DrillContext, type DrillTarget, type LocalServices } from './types.js';

type ActionHandler = (call: Call, ctx: DrillContext) => Promise<ActionOutcome | void>;
type CheckHandler = (call: Call, ctx: DrillContext) => Promise<CheckOutcome>;

function pidAlive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

/** Why a local cluster is not fit for a drill: a node down, or fewer than nodes-1 routes. */
export function degradedReasons(statuses: NodeStatus[]): string[] {
  const expected = statuses.length - 1;
  const out: string[] = [];
  for (const s of statuses) {
    if (!s.running) out.push(`${s.node.name} is down`);
    else if (s.routes < expected) out.push(`${s.node.name} has ${s.routes}/${expected} routes`);
  }
  return out;
}

export class LocalTarget implements DrillTarget {
  readonly name = 'local' as const;
  readonly actions: Record<string, ActionHandler>;
  readonly checks: Record<string, CheckHandler>;

  constructor(private readonly cluster: LocalCluster, private readonly services: LocalServices = unavailableLocalServices) {
    const c = this.cluster;
    const n = c.nodes.length;
    const plan = (ctx: DrillContext, line: string) => { ctx.plan.push(line); return { detail: 'dry run' }; };
    const node = (call: Call) => c.node(Number(call.args.node));
    const routes = async () => Promise.all(c.nodes.map((x) => fetchRoutez(c.monitorUrl(x.index), 500).then((r) => ({ node: x, routes: r.num_routes }), () => ({ node: x, routes: -1 }))));
    const hupAll = async () => {
      const up = (await c.status()).filter((s) => s.running && s.pid);
      for (const s of up) process.kill(s.pid!, 'SIGHUP');
      return up.map((s) => s.node.name);
    };

    this.actions = {
      'kill-nats-node': async (call, ctx) => {
        const target = node(call);
        const signal = (call.args.signal ?? 'SIGKILL') as NodeJS.Signals;
        const st = (await c.status()).find((s) => s.node.index === target.index)!;
        if (ctx.dryRun) return plan(ctx, `${signal} ${target.name} (pid ${st.pid ?? '?'})`);
        if (!st.running || !st.pid) throw new Error(`${target.name} is not running`);
        // The cluster object knows its own children; a detached (dsm up) node is found by pid.
        c.killNode(target.index, signal);
        if (pidAlive(st.pid)) { try { process.kill(st.pid, signal); } catch { /* already gone */ } }
        const faultAt = nowMs();
        return { detail: `${signal} ${target.name} (pid ${st.pid})`, faultAt };
      },
      'start-nats-node': async (call, ctx) => {
        const target = node(call);
        const st = (await c.status()).find((s) => s.node.index === target.index)!;
        if (ctx.dryRun) return plan(ctx, `start ${target.name}${st.running ? ' (already running: no-op)' : ''}`);
        if (st.running) return { detail: `${target.name} already running (pid ${st.pid})` };
        await c.startNode(target.index, { wait: false });
        return { detail: `started ${target.name}` };
      },
      'stop-nats-cluster': async (_call, ctx) => {
        if (ctx.dryRun) return plan(ctx, `stop every node (SIGTERM, then SIGKILL)`);
        await c.stop(3000);
        return { detail: `stopped ${n} nodes`, faultAt: nowMs() };
      },
      'start-nats-cluster': async (_call, ctx) => {
        const down = (await c.status()).filter((s) => !s.running);
        if (ctx.dryRun) return plan(ctx, `start ${down.map((s) => s.node.name).join(', ') || 'nothing (all running)'}`);
        for (const s of down) await c.startNode(s.node.index, { wait: false });
        return { detail: down.length ? `started ${down.map((s) => s.node.name).join(', ')}` : 'all nodes already running' };
      },
      'wait-routes': async (call, ctx) => {
        const timeout = call.args.timeout ? parseDuration(call.args.timeout)! : 15_000;
        if (ctx.dryRun) return plan(ctx, `wait up to ${timeout} ms for ${n - 1} routes on every node`);
        await c.waitReady(timeout);
        return { detail: `${n - 1} routes on every node` };
      },
      'rotate-certs': async (_call, ctx) => {
        if (ctx.dryRun) return plan(ctx, `issue new leaf certificates in ${c.tlsDir} from its CA, then SIGHUP every nats-server`);
        const files = await rotateLeafCerts(c.cfg, c.tlsDir);
        ctx.memory.set('certs-rotated', true);
        const reloaded = await hupAll();
        return { detail: `replaced ${files.length} files; SIGHUP ${reloaded.join(', ')}` };
      },
      'restore-certs': async (_call, ctx) => {
        if (ctx.dryRun) return plan(ctx, `restore certificates from ${c.tlsDir}/previous (if a rotation happened), then SIGHUP`);
        if (!ctx.memory.get('certs-rotated')) return { detail: 'no rotation in this drill: nothing to restore' };
        // A rotation that succeeded is kept: restoring would be a second rotation, not a rollback.
        if (ctx.memory.get('certs-verified')) return { detail: 'rotation verified: keeping the new certificates' };
        const restored = await restoreLeafCerts(c.tlsDir);
        const reloaded = restored ? await hupAll() : [];
        return { detail: restored ? `restored previous certificates; SIGHUP ${reloaded.join(', ')}` : 'nothing to restore' };
      },
      'start-subscriber': async (_c, ctx) => (ctx.dryRun ? plan(ctx, 'start one subscriber') : { detail: `started ${await this.services.startSubscriber()}` }),
      'stop-subscriber': async (_c, ctx) => (ctx.dryRun ? plan(ctx, 'stop one subscriber') : { detail: `stopped ${await this.services.stopSubscriber()}` }),
      'kill-ingest-leader': async (_c, ctx) => {
        if (ctx.dryRun) return plan(ctx, 'SIGKILL the ingest lease holder');
        const killed = await this.services.killIngestLeader();
        ctx.memory.set('killed-leader', killed);
        return { detail: `SIGKILL ${killed}`, faultAt: nowMs() };
      },
      'start-ingest': async (_c, ctx) => { if (ctx.dryRun) return plan(ctx, 'start any ingest process that is down'); await this.services.ensureIngestRunning(); return { detail: 'ingest pair running' }; },
      'block-feed': async (_c, ctx) => { if (ctx.dryRun) return plan(ctx, 'cut the ingest feed input'); await this.services.pauseFeed(); return { detail: 'feed input cut', faultAt: nowMs() }; },
      'unblock-feed': async (_c, ctx) => { if (ctx.dryRun) return plan(ctx, 'restore the ingest feed input'); await this.services.resumeFeed(); return { detail: 'feed input restored' }; },
    };

    this.checks = {
      'routes-degraded': async () => {
        const r = (await routes()).filter((x) => x.routes >= 0);
        const low = r.filter((x) => x.routes < n - 1);
        return { ok: low.length > 0, detail: r.map((x) => `${x.node.name} ${x.routes}/${n - 1}`).join(', ') };
      },
      'routes-full': async () => {
        const r = await routes();
        return { ok: r.every((x) => x.routes === n - 1), detail: r.map((x) => `${x.node.name} ${x.routes < 0 ? 'down' : `${x.routes}/${n - 1}`}`).join(', ') };
      },
      'server-certs-rotated': async (_call, ctx) => {
        const results = await Promise.all(c.nodes.map(async (x) => {
          const [want, got] = await Promise.all([fileSerial(tlsPaths(c.tlsDir, x.name).cert), presentedSerial(x, c.tlsDir)]);
          return { name: x.name, ok: want === got };
        }));
        const ok = results.every((r) => r.ok);
        if (ok) ctx.memory.set('certs-verified', true);
        return { ok, detail: results.map((r) => `${r.name} ${r.ok ? 'presents the new certificate' : 'still presents the old certificate'}`).join(', ') };
      },
      'no-client-disconnects': async (_call, ctx) => {
        if (!ctx.load || !ctx.baseline) return { ok: true, detail: 'no load attached' };
        const before = ctx.baseline.subscribers.reduce((a, s) => a + s.disconnects, 0);
        const now = ctx.load.snapshotCounters().subscribers.reduce((a, s) => a + s.disconnects, 0);
        return { ok: now === before, detail: `${now - before} disconnects since the baseline` };
      },
      'leader-changed': async (_call, ctx) => {
        const leader = await this.services.ingestLeader();
        const killed = ctx.memory.get('killed-leader');
        return { ok: leader !== undefined && leader !== killed, detail: `leader ${leader ?? 'none'} (killed ${String(killed ?? 'none')})` };
      },
      'subscriber-count': async (call) => {
        const count = await this.services.subscriberCount();
        return { ok: count === Number(call.args.n), detail: `${count} subscribers running` };
      },
    };
  }

  async preflight(): Promise<string[]> {
    return degradedReasons(await this.cluster.status());
  }

  action(call: Call, ctx: DrillContext): Promise<ActionOutcome | void> {
    const h = this.actions[call.name];
    if (!h) return Promise.reject(new Error(`action ${call.name} is not implemented by the local target`));
    return h(call, ctx);
  }

  check(call: Call, ctx: DrillContext): Promise<CheckOutcome> {
    const h = this.checks[call.name];
    if (!h) return Promise.reject(new Error(`check ${call.name} is not implemented by the local target`));
    return h(call, ctx);
  }

  async close(): Promise<void> { /* the cluster's owner stops it */ }
}
