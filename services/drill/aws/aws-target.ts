/**
 * AWS drill target: EC2 stop/start, SSM Run Command (services, certificates, feed cut, route
 * checks) and Auto Scaling (desired capacity, terminate, in-service waits), every target found by
 * tags (resolve.ts). Nothing here mutates in a dry run; Describe calls still resolve the ids.
 */
import { SetDesiredCapacityCommand, TerminateInstanceInAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import { StartInstancesCommand, StopInstancesCommand } from '@aws-sdk/client-ec2';
import type { DsmConfig } from '../../../config/schema.js';
import { natsNodes } from '../../../config/topology.js';
import { nowMs } from '../trail.js';
import type { ActionOutcome, Call, CheckOutcome, DrillContext, DrillTarget } from '../types.js';
import { AwsCaller, type AwsClients } from './caller.js';
import { describeSelector, findAsg, findInstances, inServiceHealthy, instanceStates, LIVE_STATES, statusChecks, type Role } from './resolve.js';
import { blockFeedScript, restoreServerCertScript, rotateServerCertScript, routezScript, serviceScript, unblockFeedScript } from './scripts.js';
import { runShell } from './ssm.js';

type ActionHandler = (call: Call, ctx: DrillContext) => Promise<ActionOutcome | void>;
type CheckHandler = (call: Call, ctx: DrillContext) => Promise<CheckOutcome>;

export interface AwsTargetOptions {
  clients: AwsClients;
  /** Roles the runbook touches: preflight checks these (nats always). */
  roles: Role[];
  /** Poll intervals and limits (tests shrink them). */
  pollMs?: number;
  instanceTimeoutMs?: number;
  asgTimeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

export class AwsTarget implements DrillTarget {
  readonly name = 'aws' as const;
  readonly actions: Record<string, ActionHandler>;
  readonly checks: Record<string, CheckHandler>;
  private caller: AwsCaller | undefined;

  constructor(private readonly cfg: DsmConfig, private readonly opts: AwsTargetOptions) {
    if (!cfg.aws) throw new Error(`environment ${cfg.env} has no aws section: the aws target needs a deployed environment`);
    const env = cfg.env;
    const region = cfg.aws.region;
    const poll = opts.pollMs ?? 5000;
    const instanceTimeout = opts.instanceTimeoutMs ?? 10 * 60_000;
    const role = (call: Call) => call.args.role as Role;
    const node = (call: Call) => (call.args.node ? Number(call.args.node) : undefined);

    const waitStates = async (c: AwsCaller, ids: string[], want: string) => {
      await c.wait(`${ids.join(', ')} ${want}`, async () => {
        const s = await instanceStates(c, ids);
        return ids.every((id) => s.get(id) === want) ? true : undefined;
      }, { timeoutMs: instanceTimeout, intervalMs: poll });
    };
    const running = async (c: AwsCaller, r: Role, n?: number) => {
      const found = await findInstances(c, env, r, { node: n, states: ['running'] });
      if (!found.length) throw new Error(`no running instance tagged ${describeSelector(env, r, n)}`);
      return found;
    };
    const natsRoutes = async (c: AwsCaller) => {
      const found = await findInstances(c, env, 'nats', { states: ['running'] });
      const nodes = natsNodes(cfg);
      const results: Array<{ name: string; routes: number }> = [];
      for (const inst of found) {
        const n = nodes.find((x) => x.index === inst.node);
        if (!n) continue;
        try {
          const out = await runShell(c, [inst.id], routezScript(n.ip, n.monitorPort), { comment: `dsm drill: routez ${n.name}`, timeoutSeconds: 30, pollMs: Math.min(poll, 1000) });
          results.push({ name: n.name, routes: (JSON.parse(out.get(inst.id) ?? '{}') as { num_routes?: number }).num_routes ?? -1 });
        } catch {
          results.push({ name: n.name, routes: -1 });
        }
      }
      for (const n of nodes) if (!results.some((r) => r.name === n.name)) results.push({ name: n.name, routes: -1 });
      return results.sort((a, b) => a.name.localeCompare(b.name));
    };
    const expected = cfg.nats.nodes - 1;
    const routesText = (r: Array<{ name: string; routes: number }>) => r.map((x) => `${x.name} ${x.routes < 0 ? 'unreachable' : `${x.routes}/${expected}`}`).join(', ');

    this.actions = {
      'ec2-stop': async (call, ctx) => {
        const c = this.callerFor(ctx);
        const found = await running(c, role(call), node(call));
        const ids = found.map((i) => i.id);
        ctx.memory.set(`stopped:${role(call)}:${node(call) ?? '*'}`, ids);
        await c.write('ec2', new StopInstancesCommand({ InstanceIds: ids }));
        const faultAt = nowMs();
        await waitStates(c, ids, 'stopped');
        return { detail: `stopped ${ids.join(', ')}`, faultAt };
      },
      'ec2-start': async (call, ctx) => {
        const c = this.callerFor(ctx);
        const found = await findInstances(c, env, role(call), { node: node(call), states: ['stopping', 'stopped'] });
        // A dry run stopped nothing, so it starts what the (dry) stop step would have stopped.
        const key = `stopped:${role(call)}:${node(call) ?? '*'}`;
        const planned = ctx.dryRun && !found.length ? (ctx.memory.get(key) as string[] | undefined) ?? [] : [];
        ctx.memory.delete(key);
        if (!found.length && !planned.length) return { detail: `no stopped instance tagged ${describeSelector(env, role(call), node(call))}: nothing to start` };
        const ids = found.length ? found.map((i) => i.id) : planned;
        // StartInstances rejects an instance that is still stopping.
        if (found.some((i) => i.state === 'stopping')) await waitStates(c, ids, 'stopped');
        await c.write('ec2', new StartInstancesCommand({ InstanceIds: ids }));
        await waitStates(c, ids, 'running');
        return { detail: `started ${ids.join(', ')}` };
      },
      'ssm-service': async (call, ctx) => {
        const c = this.callerFor(ctx);
        const op = call.args.op as 'stop' | 'start' | 'restart' | 'kill';
        const ids = (await running(c, role(call), node(call))).map((i) => i.id);
        const started = nowMs();
        await runShell(c, ids, serviceScript(role(call), op), { comment: `dsm drill: ${op} ${role(call)}`, pollMs: Math.min(poll, 1000) });
        return { detail: `${op} ${role(call)} on ${ids.join(', ')}`, faultAt: started };
      },
      'ssm-rotate-certs': async (_call, ctx) => {
        const c = this.callerFor(ctx);
        const found = await running(c, 'nats');
        const done: string[] = [];
        // One node at a time: the others keep serving while a node reloads.
        for (const n of natsNodes(cfg)) {
          const inst = found.find((i) => i.node === n.index);
          if (!inst) throw new Error(`no running NATS instance tagged ${describeSelector(env, 'nats', n.index)}`);
          ctx.memory.set('rotated-nodes', [...done, n.name]);
          await runShell(c, [inst.id], rotateServerCertScript({ env, region, serverName: n.name, dnsName: n.dnsName, ip: n.ip, clusterPort: n.clusterPort }), { comment: `dsm drill: rotate ${n.name} certificate`, pollMs: Math.min(poll, 1000) });
          done.push(n.name);
        }
        ctx.memory.set('certs-verified', true);
        return { detail: `rotated and verified ${done.join(', ')}` };
      },
      'ssm-restore-certs': async (_call, ctx) => {
        const rotated = (ctx.memory.get('rotated-nodes') as string[] | undefined) ?? [];
        if (!ctx.dryRun && !rotated.length) return { detail: 'no rotation in this drill: nothing to restore' };
        if (ctx.memory.get('certs-verified')) return { detail: 'rotation verified on every node: keeping the new certificates' };
        const c = this.callerFor(ctx);
        const found = await running(c, 'nats');
        const names = ctx.dryRun ? natsNodes(cfg).map((n) => n.name) : rotated;
        for (const name of names) {
          const inst = found.find((i) => `nats-${i.node}` === name);
          if (inst) await runShell(c, [inst.id], restoreServerCertScript(name), { comment: `dsm drill: restore ${name} certificate`, pollMs: Math.min(poll, 1000) });
        }
        return { detail: `restored ${names.join(', ')}` };
      },
      'ssm-block-feed': async (_call, ctx) => {
        const c = this.callerFor(ctx);
        const prefixes = this.feedPrefixes();
        const ids = (await running(c, 'ingest')).map((i) => i.id);
        await runShell(c, ids, blockFeedScript(prefixes), { comment: 'dsm drill: drop Direct Connect feed traffic', pollMs: Math.min(poll, 1000) });
        return { detail: `feed from ${prefixes.join(', ')} dropped on ${ids.join(', ')}`, faultAt: nowMs() };
      },
      'ssm-unblock-feed': async (_call, ctx) => {
        const c = this.callerFor(ctx);
        const prefixes = this.feedPrefixes();
        const ids = (await running(c, 'ingest')).map((i) => i.id);
        await runShell(c, ids, unblockFeedScript(prefixes), { comment: 'dsm drill: restore Direct Connect feed traffic', pollMs: Math.min(poll, 1000) });
        return { detail: `feed restored on ${ids.join(', ')}` };
      },
      'asg-set-desired': async (call, ctx) => {
        const c = this.callerFor(ctx);
        const g = await findAsg(c, env, role(call));
        const key = `asg-original:${role(call)}`;
        if (!ctx.memory.has(key)) ctx.memory.set(key, g.DesiredCapacity);
        const current = g.DesiredCapacity ?? 0;
        if (call.args.capacity === undefined && call.args.delta === undefined) throw new Error('asg-set-desired needs delta= or capacity=');
        const desired = call.args.capacity !== undefined ? Number(call.args.capacity) : current + Number(call.args.delta);
        if (desired < (g.MinSize ?? 0) || desired > (g.MaxSize ?? Infinity)) throw new Error(`desired ${desired} is outside ${g.AutoScalingGroupName}'s [${g.MinSize}, ${g.MaxSize}]`);
        await c.write('asg', new SetDesiredCapacityCommand({ AutoScalingGroupName: g.AutoScalingGroupName!, DesiredCapacity: desired, HonorCooldown: false }));
        return { detail: `${g.AutoScalingGroupName} desired ${current} -> ${desired}`, faultAt: nowMs() };
      },
      'asg-terminate-one': async (call, ctx) => {
        const c = this.callerFor(ctx);
        const g = await findAsg(c, env, role(call));
        const key = `asg-original:${role(call)}`;
        if (!ctx.memory.has(key)) ctx.memory.set(key, g.DesiredCapacity);
        const victim = inServiceHealthy(g)[0];
        if (!victim) throw new Error(`${g.AutoScalingGroupName} has no healthy in-service instance to terminate`);
        await c.write('asg', new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: victim, ShouldDecrementDesiredCapacity: true }));
        return { detail: `terminated ${victim} in ${g.AutoScalingGroupName} (desired decremented)`, faultAt: nowMs() };
      },
      'asg-restore-desired': async (call, ctx) => {
        const key = `asg-original:${role(call)}`;
        const original = ctx.memory.get(key) as number | undefined;
        const c = this.callerFor(ctx);
        if (original === undefined && !ctx.dryRun) return { detail: 'desired capacity not changed by this drill' };
        const g = await findAsg(c, env, role(call));
        const want = original ?? g.DesiredCapacity ?? 0;
        if (g.DesiredCapacity === want && !ctx.dryRun) return { detail: `${g.AutoScalingGroupName} already at desired ${want}` };
        await c.write('asg', new SetDesiredCapacityCommand({ AutoScalingGroupName: g.AutoScalingGroupName!, DesiredCapacity: want, HonorCooldown: false }));
        return { detail: `${g.AutoScalingGroupName} desired back to ${want}` };
      },
    };

    this.checks = {
      'routes-full': async (_call, ctx) => {
        const r = await natsRoutes(this.callerFor(ctx));
        return { ok: r.every((x) => x.routes === expected), detail: routesText(r) };
      },
      'routes-degraded': async (_call, ctx) => {
        const r = await natsRoutes(this.callerFor(ctx));
        return { ok: r.some((x) => x.routes >= 0 && x.routes < expected), detail: routesText(r) };
      },
      'asg-in-service': async (call, ctx) => {
        const g = await findAsg(this.callerFor(ctx), env, role(call));
        const healthy = inServiceHealthy(g).length;
        return { ok: healthy === g.DesiredCapacity, detail: `${g.AutoScalingGroupName}: ${healthy} healthy in service, desired ${g.DesiredCapacity}` };
      },
      'instances-running': async (call, ctx) => {
        const problems = await this.instanceProblems(this.callerFor(ctx), role(call));
        return { ok: !problems.length, detail: problems.length ? problems.join('; ') : `every ${role(call)} instance running, status checks ok` };
      },
    };
  }

  private feedPrefixes(): string[] {
    const p = this.cfg.aws!.directConnect.allowedPrefixes;
    if (!p.length) throw new Error('aws.directConnect.allowedPrefixes is empty: nothing identifies the feed traffic to cut');
    return p;
  }

  private callerFor(ctx: DrillContext): AwsCaller {
    this.caller ??= new AwsCaller(this.opts.clients, { dryRun: ctx.dryRun, plan: ctx.plan, ...(this.opts.sleep ? { sleep: this.opts.sleep } : {}) });
    return this.caller;
  }

  /** Calls sent so far (dry run included), for the report and tests. */
  get sent(): string[] { return this.caller?.sent ?? []; }

  private async instanceProblems(c: AwsCaller, role: Role): Promise<string[]> {
    const env = this.cfg.env;
    const found = await findInstances(c, env, role, { states: LIVE_STATES });
    const problems: string[] = [];
    if (role === 'nats' && found.length !== this.cfg.nats.nodes) problems.push(`found ${found.length} NATS instances tagged ${describeSelector(env, 'nats')}, expected ${this.cfg.nats.nodes}`);
    if (role !== 'nats' && !found.length) problems.push(`no instance tagged ${describeSelector(env, role)}`);
    const label = (i: (typeof found)[number]) => `${role}${i.node !== undefined ? `-${i.node}` : ''} (${i.id})`;
    for (const i of found) if (i.state !== 'running') problems.push(`${label(i)} is ${i.state}`);
    const up = found.filter((i) => i.state === 'running');
    if (up.length) {
      const checks = await statusChecks(c, up.map((i) => i.id));
      for (const i of up) { const s = checks.get(i.id); if (s !== 'ok') problems.push(`${label(i)} status checks: ${s}`); }
    }
    return problems;
  }

  async preflight(ctx: DrillContext): Promise<string[]> {
    const c = this.callerFor(ctx);
    const problems: string[] = [];
    for (const role of new Set<Role>(['nats', ...this.opts.roles])) {
      if (role === 'subscriber') {
        const g = await findAsg(c, this.cfg.env, 'subscriber');
        const healthy = inServiceHealthy(g).length;
        if (healthy !== g.DesiredCapacity) problems.push(`${g.AutoScalingGroupName} has ${healthy} healthy in-service instances, desired ${g.DesiredCapacity}`);
      } else {
        problems.push(...(await this.instanceProblems(c, role)));
      }
    }
    return problems;
  }

  action(call: Call, ctx: DrillContext): Promise<ActionOutcome | void> {
    const h = this.actions[call.name];
    if (!h) return Promise.reject(new Error(`action ${call.name} is not implemented by the aws target`));
    return h(call, ctx);
  }

  check(call: Call, ctx: DrillContext): Promise<CheckOutcome> {
    const h = this.checks[call.name];
    if (!h) return Promise.reject(new Error(`check ${call.name} is not implemented by the aws target`));
    return h(call, ctx);
  }

  async close(): Promise<void> {
    for (const client of Object.values(this.opts.clients)) (client as { destroy(): void }).destroy();
  }
}

/** Roles an AWS run of the runbook touches (from its aws: lines' role= arguments). */
export function rolesOf(calls: Call[]): Role[] {
  const roles = new Set<Role>();
  for (const c of calls) if (c.args.role) roles.add(c.args.role as Role);
  if (calls.some((c) => c.name.includes('feed'))) roles.add('ingest');
  return [...roles];
}
