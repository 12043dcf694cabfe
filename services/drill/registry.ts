/**
 * Every action and check a runbook may name, with the targets that implement it and its
 * arguments. The runbook parser validates against this table (so a typo fails at parse time with a
 * line number), and a test checks that each target implements exactly what the table promises.
 */
import type { Call, TargetName } from './types.js';

export type ArgKind = 'int' | 'duration' | 'string' | 'signed-int' | readonly string[];

export interface ArgSpec {
  kind: ArgKind;
  required?: boolean;
  summary: string;
}

export interface ActionSpec {
  kind: 'action' | 'check';
  targets: readonly TargetName[];
  summary: string;
  args: Record<string, ArgSpec>;
}

const both: readonly TargetName[] = ['local', 'aws'];
const local: readonly TargetName[] = ['local'];
const aws: readonly TargetName[] = ['aws'];

const node: ArgSpec = { kind: 'int', required: true, summary: 'NATS node number (1..nodes)' };
const role: ArgSpec = { kind: ['nats', 'ingest', 'subscriber'], required: true, summary: 'instance role (tag dsm:role)' };
const optionalNode: ArgSpec = { kind: 'int', summary: 'node number (tag dsm:node); all instances of the role when omitted' };
/** Every check takes `within`: how long the engine polls it before calling it failed. */
const within: ArgSpec = { kind: 'duration', summary: 'how long to keep polling before failing (default 0: one evaluation)' };

export const REGISTRY = {
  // Engine-level, target-independent.
  none: { kind: 'action', targets: both, summary: 'nothing to do on this target', args: { reason: { kind: 'string', summary: 'why' } } },
  hold: { kind: 'action', targets: both, summary: 'keep the load running for a while (observe the degraded state)', args: { for: { kind: 'duration', required: true, summary: 'how long' } } },
  'updates-resumed': { kind: 'check', targets: both, summary: 'every subscriber received an update after the fault (this is recovery_ms)', args: { within } },

  // Local target.
  'kill-nats-node': { kind: 'action', targets: local, summary: 'signal one nats-server (SIGKILL: a host loss)', args: { node, signal: { kind: ['SIGKILL', 'SIGTERM'], summary: 'default SIGKILL' } } },
  'start-nats-node': { kind: 'action', targets: local, summary: 'start a node that is down (no-op when running)', args: { node } },
  'stop-nats-cluster': { kind: 'action', targets: local, summary: 'stop every node (SIGTERM, then SIGKILL after the grace period)', args: {} },
  'start-nats-cluster': { kind: 'action', targets: local, summary: 'start every node that is down', args: {} },
  'wait-routes': { kind: 'action', targets: local, summary: 'wait until every node has nodes-1 routes', args: { timeout: { kind: 'duration', summary: 'default 15s' } } },
  'rotate-certs': { kind: 'action', targets: local, summary: 'issue new leaf certificates from the same CA, then SIGHUP every nats-server', args: {} },
  'restore-certs': { kind: 'action', targets: local, summary: 'put back the certificates rotate-certs replaced, then SIGHUP (no-op if none)', args: {} },
  'start-subscriber': { kind: 'action', targets: local, summary: 'start one more subscriber process', args: {} },
  'stop-subscriber': { kind: 'action', targets: local, summary: 'stop one subscriber process', args: {} },
  'kill-ingest-leader': { kind: 'action', targets: local, summary: 'SIGKILL the ingest process holding the lease', args: {} },
  'start-ingest': { kind: 'action', targets: local, summary: 'start any ingest process that is down', args: {} },
  'block-feed': { kind: 'action', targets: local, summary: 'cut the feed input of the ingest processes', args: {} },
  'unblock-feed': { kind: 'action', targets: local, summary: 'restore the feed input', args: {} },
  'server-certs-rotated': { kind: 'check', targets: local, summary: 'every node presents the certificate now on disk', args: { within } },
  'no-client-disconnects': { kind: 'check', targets: local, summary: 'no load connection dropped since the drill started', args: { within } },
  'leader-changed': { kind: 'check', targets: local, summary: 'a different ingest process holds the lease', args: { within } },
  'subscriber-count': { kind: 'check', targets: local, summary: 'this many subscriber processes run', args: { n: { kind: 'int', required: true, summary: 'expected count' }, within } },

  // Both targets, implemented differently.
  'routes-degraded': { kind: 'check', targets: both, summary: 'a surviving node reports fewer than nodes-1 routes (the cluster noticed)', args: { within } },
  'routes-full': { kind: 'check', targets: both, summary: 'every node reports nodes-1 routes', args: { within } },

  // AWS target.
  'ec2-stop': { kind: 'action', targets: aws, summary: 'EC2 StopInstances on the tagged instance(s), wait until stopped', args: { role, node: optionalNode } },
  'ec2-start': { kind: 'action', targets: aws, summary: 'EC2 StartInstances on stopped tagged instance(s), wait until running (no-op if none)', args: { role, node: optionalNode } },
  'ssm-service': {
    kind: 'action', targets: aws, summary: 'SSM RunShellScript: systemctl <op> on the role\'s unit, wait for the invocation',
    args: { role, node: optionalNode, op: { kind: ['stop', 'start', 'restart', 'kill'], required: true, summary: 'systemctl verb (kill = SIGKILL)' } },
  },
  'ssm-rotate-certs': { kind: 'action', targets: aws, summary: 'SSM: fetch the new TLS files from Parameter Store and reload nats-server, node by node', args: {} },
  'ssm-restore-certs': { kind: 'action', targets: aws, summary: 'SSM: put back the TLS files ssm-rotate-certs replaced and reload', args: {} },
  'ssm-block-feed': { kind: 'action', targets: aws, summary: 'SSM: drop feed traffic from the Direct Connect prefixes on ingest hosts (iptables)', args: {} },
  'ssm-unblock-feed': { kind: 'action', targets: aws, summary: 'SSM: remove the feed-drop rules', args: {} },
  'asg-set-desired': {
    kind: 'action', targets: aws, summary: 'ASG SetDesiredCapacity (remembers the original for asg-restore-desired)',
    args: { role, delta: { kind: 'signed-int', summary: 'change, e.g. +1 or -1' }, capacity: { kind: 'int', summary: 'absolute capacity' } },
  },
  'asg-terminate-one': { kind: 'action', targets: aws, summary: 'ASG TerminateInstanceInAutoScalingGroup on one in-service instance, decrementing desired', args: { role } },
  'asg-restore-desired': { kind: 'action', targets: aws, summary: 'set the desired capacity back to what it was before the drill (no-op if unchanged)', args: { role } },
  'asg-in-service': { kind: 'check', targets: aws, summary: 'the role\'s ASG has desired-capacity healthy in-service instances', args: { role, within } },
  'instances-running': { kind: 'check', targets: aws, summary: 'every tagged instance of the role is running with status checks ok', args: { role, within } },
} as const satisfies Record<string, ActionSpec>;

export type ActionName = keyof typeof REGISTRY;

export function specOf(name: string): ActionSpec | undefined {
  return Object.hasOwn(REGISTRY, name) ? (REGISTRY as Record<string, ActionSpec>)[name] : undefined;
}

/** Names a target must implement itself (the engine handles none/hold/updates-resumed). */
export const ENGINE_HANDLED = new Set(['none', 'hold', 'updates-resumed']);

export function namesFor(target: TargetName, kind: 'action' | 'check'): string[] {
  return Object.entries(REGISTRY as Record<string, ActionSpec>)
    .filter(([n, s]) => s.kind === kind && s.targets.includes(target) && !ENGINE_HANDLED.has(n))
    .map(([n]) => n);
}

/** Problems with one call (unknown name, wrong kind or target, bad or missing args); empty when valid. */
export function validateCall(call: Call, kind: 'action' | 'check', target: TargetName): string[] {
  const spec = specOf(call.name);
  if (!spec) {
    const known = Object.entries(REGISTRY as Record<string, ActionSpec>).filter(([, s]) => s.kind === kind && s.targets.includes(target)).map(([n]) => n);
    return [`unknown ${kind} "${call.name}" for target ${target}; known: ${known.join(', ')}`];
  }
  if (spec.kind !== kind) return [`"${call.name}" is a ${spec.kind}, not a${kind === 'action' ? 'n action' : ' check'}`];
  if (!spec.targets.includes(target)) return [`"${call.name}" is not available on target ${target} (only ${spec.targets.join(', ')})`];
  const problems: string[] = [];
  for (const [k, v] of Object.entries(call.args)) {
    const a = spec.args[k];
    if (!a) { problems.push(`${call.name}: unknown argument "${k}"; takes ${Object.keys(spec.args).join(', ') || 'none'}`); continue; }
    const bad = argProblem(a.kind, v);
    if (bad) problems.push(`${call.name}: ${k}=${v}: ${bad}`);
  }
  for (const [k, a] of Object.entries(spec.args)) if (a.required && !(k in call.args)) problems.push(`${call.name}: missing argument ${k}= (${a.summary})`);
  return problems;
}

function argProblem(kind: ArgKind, v: string): string | undefined {
  if (Array.isArray(kind)) return kind.includes(v) ? undefined : `must be one of ${kind.join(', ')}`;
  switch (kind) {
    case 'int': return /^\d+$/.test(v) && Number(v) >= 1 ? undefined : 'must be a positive integer';
    case 'signed-int': return /^[+-]?\d+$/.test(v) ? undefined : 'must be an integer such as +1 or -1';
    case 'duration': return parseDuration(v) === undefined ? 'must be a duration such as 500ms, 2s or 5m' : undefined;
    default: return v === '' ? 'must not be empty' : undefined;
  }
}

/** `500ms`, `2s`, `1.5s`, `5m` -> milliseconds. */
export function parseDuration(v: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(v);
  if (!m) return undefined;
  const n = Number(m[1]);
  return m[2] === 'ms' ? n : m[2] === 's' ? n * 1000 : n * 60_000;
}
