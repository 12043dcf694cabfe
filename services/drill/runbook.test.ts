import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../config/load.js';
import { METRIC_NAMES } from '../../config/metrics.js';
import { LocalCluster } from '../nats/local-cluster.js';
import { AwsTarget } from './aws/aws-target.js';
import { createAwsClients } from './aws/caller.js';
import { LocalTarget } from './local-target.js';
import { namesFor, parseDuration, REGISTRY, validateCall } from './registry.js';
import { listRunbooks, loadRunbook, parseCall, parseRunbook, RunbookError, validateRunbook } from './runbook.js';
import { TARGETS } from './types.js';

const wrap = (steps: string, extra = '') => `# T

## Purpose
x
## Preconditions
## Steps
${steps}
## Verification
${extra}
## Rollback
\`\`\`drill
step: undo
local: none
aws: none
\`\`\`
## Metrics to watch
- \`NatsRoutes\`
`;

function problemsOf(text: string): string[] {
  try { parseRunbook(text, 'x.md'); return []; } catch (e) { return (e as RunbookError).problems; }
}

describe('drill blocks in Markdown', () => {
  it('parses a step with its section, line, actions per target, checks and the fault flag', () => {
    const rb = parseRunbook(wrap('1. Kill it.\n\n   ```drill\n   step: kill\n   local: kill-nats-node node=2 signal=SIGKILL\n   aws: ec2-stop role=nats node=2\n   fault: yes\n   expect: routes-degraded within=3s\n   expect-aws: instances-running role=nats   # comment\n   ```\n'), 'x.md');
    const kill = rb.steps.find((s) => s.id === 'kill')!;
    expect(kill).toMatchObject({ section: 'steps', line: 9, fault: true });
    expect(kill.actions.local).toEqual({ name: 'kill-nats-node', args: { node: '2', signal: 'SIGKILL' }, line: 11 });
    expect(kill.actions.aws).toEqual({ name: 'ec2-stop', args: { role: 'nats', node: '2' }, line: 12 });
    expect(kill.expects.map((e) => [e.call.name, e.targets])).toEqual([['routes-degraded', TARGETS], ['instances-running', ['aws']]]);
    expect(rb.steps.map((s) => [s.id, s.section])).toEqual([['kill', 'steps'], ['undo', 'rollback']]);
    expect(validateRunbook(rb, 'local')).toEqual([]);
    expect(validateRunbook(rb, 'aws')).toEqual([]);
  });

  it('reports malformed blocks with file and line', () => {
    expect(problemsOf(wrap('```drill\nstep: a\nlocal: kill-nats-node node\n```'))).toEqual(['x.md:9: "node" is not an argument of the form key=value']);
    expect(problemsOf(wrap('```drill\nstep: a\nlocl: none\n```'))).toEqual([expect.stringMatching(/^x\.md:9: unknown key "locl"/)]);
    expect(problemsOf(wrap('```drill\nlocal: none\n```'))).toEqual(['x.md:7: drill block has no "step:" line']);
    expect(problemsOf(wrap('```drill\nstep: a\nexpect: routes-full\n```'))).toEqual(['x.md:7: step a has neither a local: nor an aws: line']);
    expect(problemsOf(wrap('```drill\nstep: undo\nlocal: none\n```'))).toEqual(['x.md:14: step id "undo" already used at line 7']);
    expect(problemsOf(wrap('', '```drill\nstep: v\nlocal: none\nexpect: routes-full\n```'))).toEqual(['x.md:9: step v under ## verification may only hold expect lines (checks), not actions']);
    expect(problemsOf('# T\n## Purpose\n```drill\nstep: a\nlocal: none\n```\n')).toEqual([expect.stringMatching(/^x\.md:3: drill block in section "purpose"/)]);
    expect(problemsOf(wrap('```drill\nstep: a\nlocal: none\n'))).toEqual(['x.md:7: drill block is never closed (```) before the fence at line 14']);
    expect(problemsOf('# T\n## Steps\n```drill\nstep: a\nlocal: none\n')).toEqual(['x.md:3: drill block is never closed (```)']);
  });

  it('validates names, targets and arguments against the registry, with line numbers', () => {
    const rb = parseRunbook(wrap('```drill\nstep: a\nlocal: kil-nats-node node=2\naws: ec2-stop role=db node=x\nexpect: routes-ful\n```\n```drill\nstep: b\nlocal: none\naws: none\nexpect: updates-resumed within=2sec\n```'), 'x.md');
    const local = validateRunbook(rb, 'local');
    expect(local[0]).toMatch(/^x\.md:9: unknown action "kil-nats-node" for target local; known: .*kill-nats-node/);
    expect(local[1]).toMatch(/^x\.md:11: unknown check "routes-ful"/);
    const aws = validateRunbook(rb, 'aws');
    expect(aws).toContain('x.md:10: ec2-stop: role=db: must be one of nats, ingest, subscriber');
    expect(aws).toContain('x.md:10: ec2-stop: node=x: must be a positive integer');
    // A check before any fault cannot measure recovery, and durations have units.
    expect(aws).toContain('x.md:17: updates-resumed: within=2sec: must be a duration such as 500ms, 2s or 5m');
    expect(aws).toContain('x.md:17: updates-resumed needs an earlier step with fault: yes');
    expect(aws).toContain('x.md:11: unknown check "routes-ful" for target aws; known: updates-resumed, routes-degraded, routes-full, asg-in-service, instances-running');
  });

  it('rejects a local-only action on aws, a missing target line, two faults and a missing section', () => {
    const rb = parseRunbook(wrap('```drill\nstep: a\nlocal: kill-nats-node node=2\naws: kill-nats-node node=2\nfault: yes\n```\n```drill\nstep: b\nlocal: none\nfault: yes\n```'), 'x.md');
    const aws = validateRunbook(rb, 'aws');
    expect(aws).toContain('x.md:10: "kill-nats-node" is not available on target aws (only local)');
    expect(aws).toContain('x.md:13: step b has no aws: line (write "aws: none reason=..." if nothing is to be done)');
    expect(aws).toContain('x.md:13: only one step may be the fault (first at line 7)');
    const noMetrics = parseRunbook(wrap('```drill\nstep: a\nlocal: none\naws: none\n```').replace('## Metrics to watch', '## Notes'), 'x.md');
    expect(validateRunbook(noMetrics, 'local')).toEqual(['x.md:1: missing section "## Metrics to watch"']);
  });

  it('takes one repair step, after the fault', () => {
    const before = parseRunbook(wrap('```drill\nstep: fix\nlocal: none\naws: none\nrepair: yes\n```\n```drill\nstep: cut\nlocal: none\naws: none\nfault: yes\n```'), 'x.md');
    expect(validateRunbook(before, 'local')).toEqual(['x.md:7: the repair step must come after the fault step']);
    expect(problemsOf(wrap('```drill\nstep: a\nlocal: none\nfault: yes\nrepair: yes\n```'))).toEqual(['x.md:7: a step is either the fault or the repair']);
    expect(problemsOf(wrap('```drill\nstep: a\nlocal: none\nrepair: maybe\n```'))).toEqual(['x.md:10: repair must be yes or no']);
  });

  it('parses calls and durations', () => {
    expect(parseCall('hold for=2s', 3)).toEqual({ name: 'hold', args: { for: '2s' }, line: 3 });
    expect(parseCall('hold for=1 for=2', 3)).toBe('argument for given twice');
    expect([parseDuration('500ms'), parseDuration('1.5s'), parseDuration('5m'), parseDuration('5')]).toEqual([500, 1500, 300_000, undefined]);
    expect(validateCall({ name: 'asg-set-desired', args: { role: 'subscriber', delta: '+1' }, line: 1 }, 'action', 'aws')).toEqual([]);
    expect(validateCall({ name: 'asg-set-desired', args: { delta: '+1' }, line: 1 }, 'action', 'aws')).toEqual(['asg-set-desired: missing argument role= (instance role (tag dsm:role))']);
  });
});

describe('the repository runbooks', () => {
  it('are the six the platform needs', async () => {
    expect(await listRunbooks()).toEqual(['cluster-restart', 'direct-connect-loss', 'ingest-failover', 'nats-node-loss', 'subscriber-scale', 'tls-rotation']);
  });

  it('each parses, names only registered actions and checks for both targets, and has a fault step', async () => {
    for (const name of await listRunbooks()) {
      const rb = await loadRunbook(name);
      for (const t of TARGETS) expect(validateRunbook(rb, t), `${name} on ${t}`).toEqual([]);
      expect(rb.steps.filter((s) => s.fault), name).toHaveLength(1);
      expect(rb.steps.some((s) => s.section === 'rollback'), `${name} has rollback steps`).toBe(true);
    }
  });

  it('watch only metrics from the catalog (config/metrics.ts), at least three each', async () => {
    for (const name of await listRunbooks()) {
      const rb = await loadRunbook(name);
      const names = [...(rb.sectionText['metrics to watch'] ?? '').matchAll(/`([A-Za-z0-9_]+)`/g)].map((m) => m[1]!).filter((n) => /^[A-Z]/.test(n));
      expect(names.length, name).toBeGreaterThanOrEqual(3);
      for (const n of names) expect(METRIC_NAMES.has(n), `${name}: ${n} is in the metric catalog`).toBe(true);
    }
  });

  it('write down the instance tags the AWS target resolves by', async () => {
    const text = await readFile(path.join(import.meta.dirname, '../../runbooks/nats-node-loss.md'), 'utf8');
    for (const tag of ['dsm:env', 'dsm:role', 'dsm:node']) expect(text).toContain(tag);
  });
});

describe('targets implement exactly what the registry promises', () => {
  it('local', () => {
    const cfg = loadConfig('local');
    const t = new LocalTarget(new LocalCluster(cfg, { dir: path.join(os.tmpdir(), 'dsm-unused') }));
    expect(Object.keys(t.actions).sort()).toEqual(namesFor('local', 'action').sort());
    expect(Object.keys(t.checks).sort()).toEqual(namesFor('local', 'check').sort());
  });

  it('aws', () => {
    const cfg = loadConfig('prod');
    const t = new AwsTarget(cfg, { clients: createAwsClients('us-east-1'), roles: [] });
    expect(Object.keys(t.actions).sort()).toEqual(namesFor('aws', 'action').sort());
    expect(Object.keys(t.checks).sort()).toEqual(namesFor('aws', 'check').sort());
    expect(Object.keys(REGISTRY).length).toBeGreaterThan(30);
  });
});

describe('runbooks/README.md', () => {
  it('lists every action and check exactly as the registry defines them', async () => {
    const { registryTable } = await import('./registry-doc.js');
    const readme = await readFile(path.join(import.meta.dirname, '../../runbooks/README.md'), 'utf8');
    expect(readme).toContain(registryTable());
  });
});
