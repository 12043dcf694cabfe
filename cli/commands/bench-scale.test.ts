import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runDsm } from '../../test/harness/cli.js';
import { RESULTS_BEGIN, RESULTS_END } from '../../bench/scale-report.js';

const dsm = (...args: string[]) => runDsm(args, { timeoutMs: 170_000 });

describe('dsm bench scale (smoke on two tiny points, no timing asserted)', () => {
  let dir: string;
  beforeAll(async () => { dir = await mkdtemp(path.join(os.tmpdir(), 'dsm-scale-test-')); });
  afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

  it('--quick --json runs raw and DSM side by side, writes the SVG and replaces only the generated section of RESULTS.md', async () => {
    const results = path.join(dir, 'RESULTS.md');
    await writeFile(results, `# Results\n\nprose kept\n\n${RESULTS_BEGIN}\nold run\n${RESULTS_END}\n\ntail kept\n`);
    const svg = path.join(dir, 'scale.svg');
    const r = await dsm('bench', 'scale', '--quick', '--json', '--results', results, '--svg', svg, '--profile', path.join(dir, 'prof'));
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { points: Array<Record<string, unknown> & { memory: Record<string, unknown>; gc_per_million: Record<string, number> }>; machine: { cpus: number }; date: string; hot_path_alloc: Array<{ path: string; bytes_per_update: number | null; ns_per_update: number }> };
    // Reported for both hot paths (the allocation bound itself is asserted in bench/alloc.test.ts).
    expect(out.hot_path_alloc.map((a) => a.path)).toEqual([expect.stringMatching(/^ingest/), expect.stringMatching(/^subscriber/)]);
    for (const a of out.hot_path_alloc) expect(a.ns_per_update).toBeGreaterThan(0);
    expect(out.points).toHaveLength(2);
    for (const p of out.points) {
      expect(p).toMatchObject({ delivered: true, books_equal: true });
      for (const k of ['raw_msgs_per_s', 'dsm_msgs_per_s', 'throughput_ratio']) expect(p[k]).toBeGreaterThan(0);
      for (const k of ['raw_latency_us', 'dsm_e2e_latency_us', 'dsm_publish_to_subscriber_us']) expect(p[k]).toMatchObject({ p50: expect.any(Number), p99: expect.any(Number), p999: expect.any(Number) });
      expect(p.memory.subscriber_bytes_per_1k_symbols).toEqual(expect.any(Number));
      expect(Object.keys(p.gc_per_million).sort()).toEqual(['dsm_ingest', 'dsm_subscriber', 'raw_publisher', 'raw_subscriber']);
    }
    expect(out.points[0]!.memory.ingest_bytes_per_1k_symbols).toEqual(expect.any(Number));
    expect(out.points[1]).toMatchObject({ fanout: 2, subjects: 'exact', workers: 1 });
    expect((out.points[0] as { profile_frames?: { ingest: unknown[]; subscriber: unknown[] } }).profile_frames?.ingest.length).toBeGreaterThan(0);
    const md = await readFile(results, 'utf8');
    expect(md).toMatch(/^# Results\n\nprose kept\n/);
    expect(md).toMatch(/tail kept\n$/);
    expect(md).not.toContain('old run');
    expect(md).toContain('![DSM against raw nats.js');
    expect(md).toMatch(/\| symbols \| 50 symbols, 1 sub \(wildcard\), inline \|/);
    expect(md).toContain('Top self-time frames, DSM ingest');
    expect(md).toContain('Hot-path allocation without NATS');
    const picture = await readFile(svg, 'utf8');
    expect(picture).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(picture).toContain('DSM / raw throughput, every point');
  }, 180_000);

  it('rejects a bad option with one line and exit 2', async () => {
    const r = await dsm('bench', 'scale', '--rate', '0');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--rate must be a positive integer, got "0"/);
  });
});

describe('dsm bench pipeline --symbols', () => {
  for (const bad of ['0', '10001', '2.5', '-3', 'many']) {
    it(`rejects --symbols ${bad} with exit 2 before starting anything`, async () => {
      const r = await dsm('bench', 'pipeline', '--symbols', bad);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/--symbols must be an integer from 1 to 10,000/);
    });
  }
  it('rejects a bad --workers with exit 2', async () => {
    const r = await dsm('bench', 'pipeline', '--workers', 'x');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--workers must be an integer/);
  });
});
