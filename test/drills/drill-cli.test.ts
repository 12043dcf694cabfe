/** `dsm drill` as a user runs it: exit codes, one-line errors, the JSON summary. */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runDsm } from '../harness/cli.js';


const dsm = (...args: string[]) => runDsm(args, { timeoutMs: 120_000 });

describe('dsm drill', () => {
  let out: string;
  beforeAll(async () => { out = await mkdtemp(path.join(os.tmpdir(), 'dsm-drill-cli-')); });
  afterAll(async () => { await rm(out, { recursive: true, force: true }); });

  it('rejects bad input with one line and exit 2', async () => {
    const noSuch = await dsm('drill', 'no-such-drill');
    expect(noSuch.code).toBe(2);
    expect(noSuch.stderr).toMatch(/^dsm: no runbook "no-such-drill" .*; known: cluster-restart, direct-connect-loss, ingest-failover, nats-node-loss, subscriber-scale, tls-rotation\n$/);
    const target = await dsm('drill', 'nats-node-loss', '--target', 'mars');
    expect([target.code, target.stderr]).toEqual([2, 'dsm: --target must be local or aws, got "mars"\n']);
    const noAws = await dsm('drill', 'nats-node-loss', '--target', 'aws', '--env', 'local');
    expect(noAws.code).toBe(2);
    expect(noAws.stderr).toBe('dsm: environment local has no aws section; the aws target needs a deployed environment (e.g. --env prod)\n');
  });

  it('refuses an AWS drill without a terminal to confirm on, unless --yes', async () => {
    const r = await dsm('drill', 'nats-node-loss', '--target', 'aws', '--env', 'prod');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('dsm: refusing to run an AWS drill without confirmation: stdin is not a terminal; pass --yes to confirm non-interactively\n');
  });

  it('needs a running local cluster (or --ephemeral)', async () => {
    const r = await dsm('drill', 'nats-node-loss', '--dir', out);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`dsm: no local cluster running in ${out}: start one with "dsm up", or pass --ephemeral\n`);
  });

  it('lists the runbooks', async () => {
    const r = await dsm('drill', '--list');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('nats-node-loss: NATS node loss\n');
  });

  it('runs nats-node-loss on an ephemeral local cluster and prints one JSON object', async () => {
    const r = await dsm('drill', 'nats-node-loss', '--ephemeral', '--json', '--out', out);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as Record<string, unknown> & { report: { json: string; markdown: string } };
    expect(j).toMatchObject({ drill: 'nats-node-loss', target: 'local', ok: true, books_consistent: true, refused: null });
    expect(j.recovery_ms as number).toBeLessThan(2000);
    expect(j.published as number).toBeGreaterThan(2500);
    for (const k of ['received', 'gaps', 'resyncs', 'duplicates_dropped', 'detect_ms']) expect(typeof j[k]).toBe('number');
    const md = await readFile(j.report.markdown, 'utf8');
    expect(md).toContain('**Result: OK**');
    expect(md).toMatch(/\| [\d.]+ \| steps \| lose-node \| kill-nats-node node=2 signal=SIGKILL \| yes \|/);
    const full = JSON.parse(await readFile(j.report.json, 'utf8')) as { timeline: unknown[] };
    expect(full.timeline.length).toBeGreaterThan(10);
  });
});
