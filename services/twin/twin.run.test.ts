/**
 * `dsm twin --json` as a real process: the prod stack's seven hosts booted from their user data,
 * the AMI's units started, real nats-server with mTLS, the ingest pair, subscribers and the
 * metrics agents; then both contracts read from the JSON report.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runDsm } from '../../test/harness/cli.js';
import type { TwinReport } from './twin.js';

describe('dsm twin --json (prod)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'dsm-twin-test-'));
  let code = -1;
  let report: TwinReport;
  let stderr = '';

  beforeAll(async () => {
    const r = await runDsm(['twin', '--env', 'prod', '--json', '--seconds', '6', '--dir', dir], { timeoutMs: 560_000 });
    code = r.code;
    stderr = r.stderr;
    report = JSON.parse(r.stdout) as TwinReport;
  }, 600_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('boots every host of the stack and runs the units its user data enables, with their real arguments', () => {
    expect(stderr).not.toMatch(/dsm: /);
    expect(report.hosts.map((h) => h.name).sort()).toEqual(['ingest-primary', 'ingest-standby', 'nats-1', 'nats-2', 'nats-3', 'subscriber-1', 'subscriber-2']);
    for (const h of report.hosts) expect(h.booted, `${h.name} boot`).toBe(true);
    const units = Object.fromEntries(report.hosts.map((h) => [h.name, h.units.map((u) => u.command)]));
    // The unit's ExecStart with the user data's arguments, paths as on the host (extra arguments may follow).
    expect(units['nats-2']).toEqual([expect.stringMatching(/^\/usr\/local\/bin\/nats-server -c \/etc\/nats\/nats-server\.conf$/), expect.stringMatching(/^\/usr\/local\/bin\/dsm metrics-agent --env prod --node 2 --tls-dir \/etc\/dsm\/tls( |$)/)]);
    expect(units['ingest-standby']).toEqual([expect.stringMatching(/^\/usr\/local\/bin\/dsm ingest --env prod --tls-dir \/etc\/dsm\/tls --publisher-id ingest-standby --lease ingest( |$)/)]);
    expect(units['subscriber-1']).toEqual([expect.stringMatching(/^\/usr\/local\/bin\/dsm subscribe --env prod --tls-dir \/etc\/dsm\/tls .*--identity subscriber( |$)/)]);
    expect(report.hosts.find((h) => h.name === 'subscriber-1')!.skipped.map((s) => s.unit)).toEqual(['dsm-drain-watch']);
  });

  it('observes the routes, the ingest pair and the subscribers on 4222, and evaluates each flow', () => {
    const seen = (from: RegExp, port: number) => report.flows.observed.filter((f) => from.test(f.from) && f.port === port);
    expect(seen(/^nats-/, 6222).length).toBeGreaterThanOrEqual(3);
    expect(new Set(seen(/^ingest-/, 4222).map((f) => f.from))).toEqual(new Set(['ingest-primary', 'ingest-standby']));
    expect(new Set(seen(/^subscriber-/, 4222).map((f) => f.from))).toEqual(new Set(['subscriber-1', 'subscriber-2']));
    for (const f of [...seen(/^nats-/, 6222), ...seen(/^(ingest|subscriber)-/, 4222)]) expect(report.flows.denied).not.toContainEqual(expect.objectContaining({ from: f.from, to: f.to, port: f.port }));
    for (const d of report.flows.denied) expect(d.reasons.length).toBeGreaterThan(0);
    expect(report.flows.unmapped).toEqual([]);
  });

  it('records what the agents would send to CloudWatch and checks it against every metric the stack reads', () => {
    expect(report.metrics.referenced.length).toBeGreaterThan(40);
    for (const n of [1, 2, 3]) expect(report.metrics.emitted).toContain(`DSM/NatsRoutes{Cluster=dsm-prod,Node=nats-${n}}`);
    expect(report.metrics.providedByAws).toContain('AWS/AutoScaling/GroupInServiceInstances{AutoScalingGroupName=dsm-prod-subscribers}');
    // The subscriber ASG's target-tracking metric (issue 12): emitted by the agents from the members' summaries.
    expect(report.metrics.referenced).toContain('DSM/GroupMemberProcessedRate{Cluster=dsm-prod,Group=subscribers}');
    expect(report.metrics.emitted).toContain('DSM/GroupMemberProcessedRate{Cluster=dsm-prod,Group=subscribers}');
    expect(report.metrics.missing).toEqual([]);
  });

  it('both contracts hold on the prod stack: no denied flow, no missing metric, nothing unreachable, every log shipped; exit 0', () => {
    expect(report.flows.denied).toEqual([]);
    expect(report.listeners.unreachable).toEqual([]);
    expect(report.problems).toEqual([]);
    expect(report.logs.unshipped).toEqual([]);
    expect(report.logs.unknown).toEqual([]);
    expect(report.ok).toBe(true);
    expect(code).toBe(0);
  });
});

describe('dsm twin usage', () => {
  it('--help shows an example; a env without a stack is a usage error', async () => {
    const help = await runDsm(['twin', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/dsm twin --env prod --json/);
    const local = await runDsm(['twin', '--env', 'local', '--json']);
    expect(local.code).toBe(2);
    expect(local.stderr).toMatch(/no aws section/);
  });
});
