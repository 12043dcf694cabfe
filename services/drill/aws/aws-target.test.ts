/**
 * The AWS target at the SDK boundary (aws-sdk-client-mock): exact commands and inputs, ids
 * resolved from tags, dry run sends nothing mutating, throttling retried, errors reported in one
 * line with the rollback still attempted, degraded environments refused.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  AutoScalingClient, DescribeAutoScalingGroupsCommand, SetDesiredCapacityCommand, TerminateInstanceInAutoScalingGroupCommand, type AutoScalingGroup,
} from '@aws-sdk/client-auto-scaling';
import { DescribeInstancesCommand, DescribeInstanceStatusCommand, EC2Client, StartInstancesCommand, StopInstancesCommand, type Filter } from '@aws-sdk/client-ec2';
import { GetCommandInvocationCommand, SendCommandCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { loadConfig } from '../../../config/load.js';
import { runDrill } from '../engine.js';
import { loadRunbook } from '../runbook.js';
import type { Call, DrillContext } from '../types.js';
import { AwsTarget, rolesOf } from './aws-target.js';
import { createAwsClients } from './caller.js';
import { blockFeedScript, restoreServerCertScript, rotateServerCertScript, routezScript, serviceScript, unblockFeedScript } from './scripts.js';

const cfg = loadConfig('prod');
const ec2 = mockClient(EC2Client);
const ssm = mockClient(SSMClient);
const asg = mockClient(AutoScalingClient);

interface FakeInstance { id: string; role: string; node?: number; state: string; env: string }
let fleet: FakeInstance[];
let group: AutoScalingGroup;
let slept: number[];

const throttle = () => Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });
const accessDenied = () => Object.assign(new Error('You are not authorized to perform this operation.\nEncoded authorization failure message: xyz'), { name: 'UnauthorizedOperation' });

function matches(i: FakeInstance, filters: Filter[] = []): boolean {
  return filters.every((f) => {
    const v = f.Name === 'tag:dsm:env' ? i.env : f.Name === 'tag:dsm:role' ? i.role : f.Name === 'tag:dsm:node' ? String(i.node) : f.Name === 'instance-state-name' ? i.state : undefined;
    return v !== undefined && (f.Values ?? []).includes(v);
  });
}

function describe_(input: { Filters?: Filter[]; InstanceIds?: string[] }) {
  const found = fleet.filter((i) => (input.InstanceIds ? input.InstanceIds.includes(i.id) : matches(i, input.Filters)));
  return {
    Reservations: [{
      Instances: found.map((i) => ({
        InstanceId: i.id, State: { Name: i.state },
        Tags: [{ Key: 'dsm:env', Value: i.env }, { Key: 'dsm:role', Value: i.role }, ...(i.node ? [{ Key: 'dsm:node', Value: String(i.node) }] : [])],
      })),
    }],
  };
}

function target(roles: Array<'nats' | 'ingest' | 'subscriber'> = []) {
  return new AwsTarget(cfg, { clients: createAwsClients('us-east-1'), roles, pollMs: 1, sleep: async (ms) => { slept.push(ms); } });
}

const ctx = (dryRun = false): DrillContext => ({ dryRun, baseline: undefined, load: undefined, memory: new Map(), plan: [] });
const call = (name: string, args: Record<string, string> = {}): Call => ({ name, args, line: 1 });
const inputs = <T>(mock: { commandCalls(c: never): Array<{ args: [{ input: T }] }> }, command: unknown) => mock.commandCalls(command as never).map((c) => c.args[0].input);

beforeEach(() => {
  ec2.reset(); ssm.reset(); asg.reset();
  slept = [];
  fleet = [
    { id: 'i-nats1', role: 'nats', node: 1, state: 'running', env: 'prod' },
    { id: 'i-nats2', role: 'nats', node: 2, state: 'running', env: 'prod' },
    { id: 'i-nats3', role: 'nats', node: 3, state: 'running', env: 'prod' },
    { id: 'i-ing1', role: 'ingest', node: 1, state: 'running', env: 'prod' },
    { id: 'i-ing2', role: 'ingest', node: 2, state: 'running', env: 'prod' },
    { id: 'i-staging-nats2', role: 'nats', node: 2, state: 'running', env: 'staging' },
  ];
  group = {
    AutoScalingGroupName: 'dsm-prod-subscribers', MinSize: 2, MaxSize: 12, DesiredCapacity: 2, DefaultCooldown: 300, AvailabilityZones: ['us-east-1a'], HealthCheckType: 'EC2', CreatedTime: new Date(0),
    Instances: [
      { InstanceId: 'i-sub-b', LifecycleState: 'InService', HealthStatus: 'Healthy', AvailabilityZone: 'us-east-1a', ProtectedFromScaleIn: false },
      { InstanceId: 'i-sub-a', LifecycleState: 'InService', HealthStatus: 'Healthy', AvailabilityZone: 'us-east-1a', ProtectedFromScaleIn: false },
    ],
  };
  ec2.on(DescribeInstancesCommand).callsFake(describe_);
  ec2.on(DescribeInstanceStatusCommand).callsFake((input: { InstanceIds: string[] }) => ({
    InstanceStatuses: input.InstanceIds.map((id) => ({ InstanceId: id, InstanceStatus: { Status: 'ok' }, SystemStatus: { Status: 'ok' } })),
  }));
  ec2.on(StopInstancesCommand).callsFake((input: { InstanceIds: string[] }) => {
    for (const i of fleet) if (input.InstanceIds.includes(i.id)) i.state = 'stopped';
    return { StoppingInstances: input.InstanceIds.map((InstanceId) => ({ InstanceId })) };
  });
  ec2.on(StartInstancesCommand).callsFake((input: { InstanceIds: string[] }) => {
    for (const i of fleet) if (input.InstanceIds.includes(i.id)) i.state = 'running';
    return {};
  });
  asg.on(DescribeAutoScalingGroupsCommand).callsFake(() => ({ AutoScalingGroups: [group] }));
  asg.on(SetDesiredCapacityCommand).callsFake((input: { DesiredCapacity: number }) => { group = { ...group, DesiredCapacity: input.DesiredCapacity }; return {}; });
  asg.on(TerminateInstanceInAutoScalingGroupCommand).resolves({});
  ssm.on(SendCommandCommand).callsFake(() => ({ Command: { CommandId: `cmd-${ssm.commandCalls(SendCommandCommand).length}` } }));
  ssm.on(GetCommandInvocationCommand).resolves({ Status: 'Success', StandardOutputContent: JSON.stringify({ num_routes: 2 }) });
});

describe('AWS target: EC2', () => {
  it('stops the instance tagged dsm:env/dsm:role/dsm:node, waits until stopped, and starts it again', async () => {
    const t = target();
    const c = ctx();
    const out = await t.action(call('ec2-stop', { role: 'nats', node: '2' }), c);
    expect(inputs(ec2, DescribeInstancesCommand)[0]).toEqual({
      Filters: [
        { Name: 'tag:dsm:env', Values: ['prod'] }, { Name: 'tag:dsm:role', Values: ['nats'] }, { Name: 'tag:dsm:node', Values: ['2'] },
        { Name: 'instance-state-name', Values: ['running'] },
      ],
    });
    expect(inputs(ec2, StopInstancesCommand)).toEqual([{ InstanceIds: ['i-nats2'] }]);
    expect(inputs(ec2, DescribeInstancesCommand)[1]).toEqual({ InstanceIds: ['i-nats2'] });
    expect(out).toMatchObject({ detail: 'stopped i-nats2' });
    await t.action(call('ec2-start', { role: 'nats', node: '2' }), c);
    expect(inputs(ec2, StartInstancesCommand)).toEqual([{ InstanceIds: ['i-nats2'] }]);
    expect(fleet.find((i) => i.id === 'i-nats2')!.state).toBe('running');
    // Nothing stopped any more: starting again is a no-op, not an error.
    expect(await t.action(call('ec2-start', { role: 'nats', node: '2' }), c)).toMatchObject({ detail: expect.stringContaining('nothing to start') });
    expect(inputs(ec2, StartInstancesCommand)).toHaveLength(1);
  });

  it('retries a throttled StopInstances and a throttled waiter poll with backoff', async () => {
    ec2.on(StopInstancesCommand).rejectsOnce(throttle()).callsFake((input: { InstanceIds: string[] }) => {
      for (const i of fleet) if (input.InstanceIds.includes(i.id)) i.state = 'stopping';
      return {};
    });
    let polls = 0;
    ec2.on(DescribeInstancesCommand).callsFake((input: { InstanceIds?: string[]; Filters?: Filter[] }) => {
      if (!input.InstanceIds) return describe_(input);
      polls++;
      if (polls === 1) throw throttle();
      if (polls === 3) fleet.find((i) => i.id === 'i-nats2')!.state = 'stopped';
      return describe_(input);
    });
    await target().action(call('ec2-stop', { role: 'nats', node: '2' }), ctx());
    expect(ec2.commandCalls(StopInstancesCommand)).toHaveLength(2);
    expect(polls).toBe(3);
    // Two backoff sleeps (StopInstances, first poll) and one poll interval.
    expect(slept).toHaveLength(3);
  });

  it('reports AccessDenied in one line naming the service and command', async () => {
    ec2.on(StopInstancesCommand).rejects(accessDenied());
    await expect(target().action(call('ec2-stop', { role: 'nats', node: '2' }), ctx())).rejects.toThrow(
      /^EC2 StopInstances failed: UnauthorizedOperation: You are not authorized to perform this operation\.$/,
    );
  });

  it('gives up on persistent throttling and says so', async () => {
    ec2.on(StopInstancesCommand).rejects(throttle());
    await expect(target().action(call('ec2-stop', { role: 'nats', node: '2' }), ctx())).rejects.toThrow('EC2 StopInstances failed: ThrottlingException: Rate exceeded (still throttled after 6 retries)');
    expect(ec2.commandCalls(StopInstancesCommand)).toHaveLength(7);
  });

  it('fails clearly when no instance carries the tags', async () => {
    await expect(target().action(call('ec2-stop', { role: 'nats', node: '5' }), ctx())).rejects.toThrow('no running instance tagged dsm:env=prod,dsm:role=nats,dsm:node=5');
  });
});

describe('AWS target: SSM', () => {
  it('runs systemctl through AWS-RunShellScript and waits through InvocationDoesNotExist and InProgress', async () => {
    ssm.on(GetCommandInvocationCommand)
      .rejectsOnce(Object.assign(new Error('Invocation does not exist'), { name: 'InvocationDoesNotExist' }))
      .resolvesOnce({ Status: 'InProgress' })
      .resolves({ Status: 'Success', StandardOutputContent: 'dsm-ingest.service: failed' });
    await target().action(call('ssm-service', { role: 'ingest', node: '1', op: 'kill' }), ctx());
    expect(inputs(ssm, SendCommandCommand)).toEqual([{
      DocumentName: 'AWS-RunShellScript',
      InstanceIds: ['i-ing1'],
      Comment: 'dsm drill: kill ingest',
      TimeoutSeconds: 120,
      Parameters: { commands: ['set -euo pipefail', 'systemctl kill --kill-whom=main --signal=SIGKILL dsm-ingest.service', 'echo "dsm-ingest.service: $(systemctl is-active dsm-ingest.service || true)"'], executionTimeout: ['120'] },
    }]);
    expect(inputs(ssm, GetCommandInvocationCommand)).toEqual(Array(3).fill({ CommandId: 'cmd-1', InstanceId: 'i-ing1' }));
  });

  it('reports a failed invocation with the last line of its stderr', async () => {
    ssm.on(GetCommandInvocationCommand).resolves({ Status: 'Failed', StandardErrorContent: 'warning: x\nFailed to stop dsm-ingest.service: Access denied\n' });
    await expect(target().action(call('ssm-service', { role: 'ingest', op: 'stop' }), ctx())).rejects.toThrow('SSM command cmd-1 on i-ing1: Failed: Failed to stop dsm-ingest.service: Access denied');
    // Every ingest instance of the role got the command (no node= given).
    expect(inputs<{ InstanceIds: string[] }>(ssm, SendCommandCommand)[0]!.InstanceIds).toEqual(['i-ing1', 'i-ing2']);
  });

  it('rotates certificates node by node from Parameter Store, with reload and verification', async () => {
    const c = ctx();
    await target().action(call('ssm-rotate-certs'), c);
    const sent = inputs<{ InstanceIds: string[]; Parameters: { commands: string[] } }>(ssm, SendCommandCommand);
    expect(sent.map((s) => s.InstanceIds)).toEqual([['i-nats1'], ['i-nats2'], ['i-nats3']]);
    const script = sent[1]!.Parameters.commands.join('\n');
    expect(script).toContain("aws ssm get-parameter --region us-east-1 --with-decryption --name /dsm/prod/tls/servers/nats-2.$ext");
    expect(script).toContain('systemctl kill --kill-whom=main --signal=SIGHUP nats-server.service');
    expect(script).toContain('openssl s_client -connect 10.40.2.10:6222 -servername nats-2.dsm.internal');
    // Verified: the rollback keeps the new certificates.
    expect(await target().action(call('ssm-restore-certs'), c)).toMatchObject({ detail: expect.stringContaining('keeping the new certificates') });
  });

  it('restores only the nodes a failed rotation touched', async () => {
    ssm.on(GetCommandInvocationCommand).resolvesOnce({ Status: 'Success' }).resolvesOnce({ Status: 'Failed', StandardErrorContent: 'dsm-drill: nats-2 presents serial=01, expected serial=02' }).resolves({ Status: 'Success' });
    const c = ctx();
    const t = target();
    await expect(t.action(call('ssm-rotate-certs'), c)).rejects.toThrow('SSM command cmd-2 on i-nats2: Failed: dsm-drill: nats-2 presents serial=01, expected serial=02');
    await t.action(call('ssm-restore-certs'), c);
    const sent = inputs<{ InstanceIds: string[]; Comment: string }>(ssm, SendCommandCommand).slice(2);
    expect(sent.map((s) => [s.InstanceIds, s.Comment])).toEqual([[['i-nats1'], 'dsm drill: restore nats-1 certificate'], [['i-nats2'], 'dsm drill: restore nats-2 certificate']]);
  });

  it('reads each node\'s /routez over SSM for the route checks', async () => {
    ssm.on(GetCommandInvocationCommand).callsFake((input: { InstanceId: string }) => ({ Status: 'Success', StandardOutputContent: JSON.stringify({ num_routes: input.InstanceId === 'i-nats2' ? 2 : 1 }) }));
    const t = target();
    expect(await t.check(call('routes-full'), ctx())).toEqual({ ok: false, detail: 'nats-1 1/2, nats-2 2/2, nats-3 1/2' });
    expect(await t.check(call('routes-degraded'), ctx())).toMatchObject({ ok: true });
    expect(inputs<{ Parameters: { commands: string[] } }>(ssm, SendCommandCommand)[0]!.Parameters.commands).toEqual(['set -euo pipefail', 'curl -sf --max-time 2 http://10.40.1.10:8222/routez']);
  });

  it('cuts and restores the feed on every ingest host with iptables rules for the Direct Connect prefixes', async () => {
    await target().action(call('ssm-block-feed'), ctx());
    await target().action(call('ssm-unblock-feed'), ctx());
    const sent = inputs<{ InstanceIds: string[]; Parameters: { commands: string[] } }>(ssm, SendCommandCommand);
    expect(sent[0]!.InstanceIds).toEqual(['i-ing1', 'i-ing2']);
    expect(sent[0]!.Parameters.commands[1]).toBe('iptables -w -C INPUT -s 192.0.2.0/24 -m comment --comment dsm-drill-dx -j DROP 2>/dev/null || iptables -w -I INPUT -s 192.0.2.0/24 -m comment --comment dsm-drill-dx -j DROP');
    expect(sent[1]!.Parameters.commands[1]).toBe('while iptables -w -D INPUT -s 192.0.2.0/24 -m comment --comment dsm-drill-dx -j DROP 2>/dev/null; do :; done');
  });
});

describe('AWS target: Auto Scaling', () => {
  it('scales out by delta, terminates one in-service instance decrementing desired, restores the original capacity', async () => {
    const t = target();
    const c = ctx();
    await t.action(call('asg-set-desired', { role: 'subscriber', delta: '+1' }), c);
    expect(inputs(asg, DescribeAutoScalingGroupsCommand)[0]).toEqual({ Filters: [{ Name: 'tag:dsm:env', Values: ['prod'] }, { Name: 'tag:dsm:role', Values: ['subscriber'] }] });
    expect(inputs(asg, SetDesiredCapacityCommand)).toEqual([{ AutoScalingGroupName: 'dsm-prod-subscribers', DesiredCapacity: 3, HonorCooldown: false }]);
    expect(await t.check(call('asg-in-service', { role: 'subscriber' }), c)).toEqual({ ok: false, detail: 'dsm-prod-subscribers: 2 healthy in service, desired 3' });
    await t.action(call('asg-terminate-one', { role: 'subscriber' }), c);
    expect(inputs(asg, TerminateInstanceInAutoScalingGroupCommand)).toEqual([{ InstanceId: 'i-sub-a', ShouldDecrementDesiredCapacity: true }]);
    await t.action(call('asg-restore-desired', { role: 'subscriber' }), c);
    expect(inputs(asg, SetDesiredCapacityCommand)[1]).toEqual({ AutoScalingGroupName: 'dsm-prod-subscribers', DesiredCapacity: 2, HonorCooldown: false });
  });

  it('refuses a capacity outside the group bounds, and retries a throttled DescribeAutoScalingGroups', async () => {
    asg.on(DescribeAutoScalingGroupsCommand).rejectsOnce(throttle()).callsFake(() => ({ AutoScalingGroups: [group] }));
    await expect(target().action(call('asg-set-desired', { role: 'subscriber', capacity: '13' }), ctx())).rejects.toThrow("desired 13 is outside dsm-prod-subscribers's [2, 12]");
    expect(asg.commandCalls(DescribeAutoScalingGroupsCommand)).toHaveLength(2);
    expect(asg.commandCalls(SetDesiredCapacityCommand)).toHaveLength(0);
  });

  it('needs exactly one group with the tags', async () => {
    asg.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [] });
    await expect(target().check(call('asg-in-service', { role: 'subscriber' }), ctx())).rejects.toThrow('expected one Auto Scaling group tagged dsm:env=prod,dsm:role=subscriber, found 0');
  });
});

describe('AWS drills through the engine', () => {
  it('dry run: prints every mutating call with ids resolved from tags, sends none', async () => {
    const rb = await loadRunbook('nats-node-loss');
    const report = await runDrill(rb, { target: target(rolesOf(rb.steps.map((s) => s.actions.aws!).filter(Boolean))), dryRun: true });
    expect(report.refused).toBeNull();
    expect(report.plan).toEqual([
      '[preconditions] cluster-healthy: check routes-full',
      'EC2 StopInstances {"InstanceIds":["i-nats2"]}',
      'wait: i-nats2 stopped (up to 600 s)',
      '[steps] lose-node: check routes-degraded within 5s',
      '[steps] clients-failed-over: check updates-resumed within 10s',
      '[steps] run-degraded: hold 30s',
      'EC2 StartInstances {"InstanceIds":["i-nats2"]}',
      'wait: i-nats2 running (up to 600 s)',
      '[steps] restore-node: check routes-full within 5m',
      '[verification] cluster-whole-again: check routes-full within 10s',
      '[rollback] ensure-routes: check routes-full within 5m',
    ]);
    expect(ec2.commandCalls(StopInstancesCommand)).toHaveLength(0);
    expect(ec2.commandCalls(StartInstancesCommand)).toHaveLength(0);
    expect(ssm.commandCalls(SendCommandCommand)).toHaveLength(0);
  });

  it('dry run of subscriber scaling and cert rotation lists the ASG and SSM calls', async () => {
    const scale = await runDrill(await loadRunbook('subscriber-scale'), { target: target(['subscriber']), dryRun: true });
    expect(scale.plan).toContain('AutoScaling SetDesiredCapacity {"AutoScalingGroupName":"dsm-prod-subscribers","DesiredCapacity":4,"HonorCooldown":false}');
    expect(scale.plan).toContain('AutoScaling SetDesiredCapacity {"AutoScalingGroupName":"dsm-prod-subscribers","DesiredCapacity":2,"HonorCooldown":false}');
    const tls = await runDrill(await loadRunbook('tls-rotation'), { target: target(), dryRun: true });
    expect(tls.plan.filter((p) => p.startsWith('SSM SendCommand')).map((p) => (JSON.parse(p.slice('SSM SendCommand '.length)) as { InstanceIds: string[] }).InstanceIds)).toEqual([['i-nats1'], ['i-nats2'], ['i-nats3']]);
    expect(asg.commandCalls(SetDesiredCapacityCommand)).toHaveLength(0);
    expect(ssm.commandCalls(SendCommandCommand)).toHaveLength(0);
  });

  it('AccessDenied on the fault: drill not ok, one clear failure line, rollback still attempted', async () => {
    ec2.on(StopInstancesCommand).rejects(accessDenied());
    const rb = await loadRunbook('nats-node-loss');
    const report = await runDrill(rb, { target: target(['nats']), checkPollMs: 1 });
    expect(report.ok).toBe(false);
    expect(report.failures).toEqual(['lose-node: ec2-stop: EC2 StopInstances failed: UnauthorizedOperation: You are not authorized to perform this operation.']);
    const rollback = report.timeline.filter((e) => e.phase === 'rollback');
    expect(rollback.map((e) => [e.step, e.what, e.ok])).toEqual([
      ['ensure-node-running', 'ec2-start role=nats node=2', true],
      ['ensure-routes', 'none: checked-below', true],
      ['ensure-routes', 'check routes-full within 5m', true],
    ]);
    expect(report.rollback_ok).toBe(true);
  });

  it('refuses to start when an instance is stopped or impaired, without touching anything', async () => {
    fleet.find((i) => i.id === 'i-nats3')!.state = 'stopped';
    ec2.on(DescribeInstanceStatusCommand).callsFake((input: { InstanceIds: string[] }) => ({
      InstanceStatuses: input.InstanceIds.map((id) => ({ InstanceId: id, InstanceStatus: { Status: id === 'i-nats1' ? 'impaired' : 'ok' }, SystemStatus: { Status: 'ok' } })),
    }));
    const report = await runDrill(await loadRunbook('nats-node-loss'), { target: target(['nats']) });
    expect(report.ok).toBe(false);
    expect(report.refused).toBe('cluster already degraded: nats-3 (i-nats3) is stopped; nats-1 (i-nats1) status checks: instance impaired, system ok');
    expect(report.timeline.some((e) => e.phase === 'steps' || e.phase === 'rollback')).toBe(false);
    expect(ssm.commandCalls(SendCommandCommand)).toHaveLength(0);
    expect(ec2.commandCalls(StopInstancesCommand)).toHaveLength(0);
  });

  it('refuses when the subscriber group is not at its desired in-service count', async () => {
    group = { ...group, Instances: [group.Instances![0]!, { ...group.Instances![1]!, LifecycleState: 'Pending' }] };
    const report = await runDrill(await loadRunbook('subscriber-scale'), { target: target(['subscriber']) });
    expect(report.refused).toBe('cluster already degraded: dsm-prod-subscribers has 1 healthy in-service instances, desired 2');
  });
});

describe('host scripts', () => {
  const run = promisify(execFile);
  it('pass shellcheck', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'dsm-drill-sh-'));
    try {
      const scripts = {
        service: serviceScript('nats', 'restart'),
        rotate: rotateServerCertScript({ env: 'prod', region: 'us-east-1', serverName: 'nats-1', dnsName: 'nats-1.dsm.internal', ip: '10.40.1.10', clusterPort: 6222 }),
        restore: restoreServerCertScript('nats-1'),
        block: blockFeedScript(['192.0.2.0/24', '198.51.100.0/24']),
        unblock: unblockFeedScript(['192.0.2.0/24']),
        routez: routezScript('10.40.1.10', 8222),
      };
      for (const [name, lines] of Object.entries(scripts)) {
        const file = path.join(dir, `${name}.sh`);
        await writeFile(file, `#!/bin/bash\n${lines.join('\n')}\n`);
        await run('shellcheck', ['-s', 'bash', file]).catch((e: { stdout: string }) => { throw new Error(`${name}: ${e.stdout}`); });
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
