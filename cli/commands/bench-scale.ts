/**
 * `dsm bench scale`: DSM against raw nats.js at every point of the scale sweep (symbols,
 * subscriber fan-out, ingest workers), in one run; writes the table, an SVG and the generated
 * section of bench/RESULTS.md.
 */
import type { Command } from 'commander';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CommandFailed } from '../exit.js';
import { positiveInt } from '../options.js';

interface ScaleCliOptions {
  json?: boolean;
  quick?: boolean;
  rate: number;
  rounds: number;
  profile?: string;
  batching?: boolean;
  write?: boolean;
  results?: string;
  svg?: string;
  strict?: boolean;
}

const benchDir = () => path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bench');

export function registerScale(bench: Command): void {
  bench
    .command('scale')
    .description('raw nats.js vs DSM side by side at symbols 50/500/5,000/10,000, subscriber fan-out 1/4/16 (wildcard and exact subjects) and ingest workers inline/1/2: throughput, per-hop p50/p99/p99.9, memory per 1,000 symbols, GCs per million messages; writes a table, an SVG and bench/RESULTS.md')
    .option('--json', 'print one JSON object (points[], targets, machine, date)')
    .option('--quick', 'two tiny points (a smoke test; writes nothing unless --results/--svg are given)')
    .option('--rate <n>', 'offered rate for the latency runs (msgs/s)', positiveInt('--rate'), 50_000)
    .option('--rounds <n>', 'alternating raw/DSM latency rounds per point (at least; the 50 and 10,000-symbol points take 3), each path keeping its median-p99 round (throughput always takes at least 2, best kept)', positiveInt('--rounds'), 1)
    .option('--profile <dir>', 'write CPU profiles (.cpuprofile) of the ingest and a subscriber at 50 and 10,000 symbols into <dir>')
    .option('--batching', 'also run the opt-in coalescing mode at 50 and 5,000 symbols')
    .option('--no-write', 'write neither bench/RESULTS.md nor the SVG')
    .option('--results <file>', 'RESULTS.md to update (default bench/RESULTS.md on a full run)')
    .option('--svg <file>', 'SVG to write (default bench/scale.svg on a full run)')
    .option('--strict', 'exit 1 when a target is missed at 50 or 10,000 symbols')
    .exitOverride()
    .action(async (opts: ScaleCliOptions) => {
      const { runScaleBench } = await import('../../bench/scale.js');
      const { formatScaleBench, scaleSvg, updateResults } = await import('../../bench/scale-report.js');
      const result = await runScaleBench({
        quick: opts.quick, rate: opts.rate, rounds: opts.rounds, profileDir: opts.profile, batching: opts.batching,
        log: opts.json ? undefined : (l) => process.stderr.write(`${l}\n`),
      });
      const write = opts.write !== false;
      const svgFile = opts.svg ?? (opts.quick ? undefined : path.join(benchDir(), 'scale.svg'));
      const resultsFile = opts.results ?? (opts.quick ? undefined : path.join(benchDir(), 'RESULTS.md'));
      if (write && svgFile) await writeFile(svgFile, scaleSvg(result));
      if (write && resultsFile) await updateResults(resultsFile, result, svgFile ? path.relative(path.dirname(resultsFile), svgFile) : 'scale.svg');
      process.stdout.write(opts.json ? `${JSON.stringify(result)}\n` : `${formatScaleBench(result)}\n`);
      if (result.failed.length > 0) throw new CommandFailed(`${result.failed.length} point(s) failed: ${result.failed.map((f) => `${f.point}: ${f.error}`).join('; ')}`);
      const bad = result.points.filter((p) => !p.delivered || !p.books_equal);
      if (bad.length > 0) throw new CommandFailed(`${bad.length} point(s) lost messages or ended with books unequal to the reference: the benchmark is invalid`);
      if (opts.strict && (result.targets.at_50_symbols === false || result.targets.at_10000_symbols === false)) throw new CommandFailed('scale targets missed');
    });
}
