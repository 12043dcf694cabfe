/**
 * `dsm bench <what>`: benchmarks, each measuring DSM and its baseline side by side in one run.
 * Subcommands register through BENCH_SUBCOMMANDS so `pipeline`, `load`, ... can be added
 * without touching the others.
 */
import type { Command } from 'commander';
import { CommandFailed } from '../exit.js';
import { positiveInt } from '../options.js';
import { registerPipeline } from './bench-pipeline.js';
import { registerLoad } from './bench-load.js';
import { registerFeed, registerRecorded } from './bench-feed.js';
import { registerScale } from './bench-scale.js';

interface BookBenchCliOptions {
  json?: boolean;
  events: number;
  rounds: number;
  seed: number;
  alternatives?: boolean;
  strict?: boolean;
}

function registerBook(bench: Command): void {
  bench
    .command('book')
    .description('replay the same L2 update stream into the DSM book and ccxt\'s OrderBook; print updates/s for both and the ratio')
    .option('--json', 'print one JSON object (dsm_updates_per_s, baseline, baseline_updates_per_s, ratio, ...)')
    .option('--events <n>', 'L2 updates in the stream', positiveInt('--events'), 1_000_000)
    .option('--rounds <n>', 'alternating timed rounds (medians are reported)', positiveInt('--rounds'), 5)
    .option('--seed <n>', 'stream generator seed', positiveInt('--seed'), 42)
    .option('--alternatives', 'also time the naive Map + sort structure the book was chosen over')
    .option('--strict', 'exit 1 when the targets (>= 3x ccxt, >= 5M updates/s) are missed')
    .exitOverride()
    .action(async (opts: BookBenchCliOptions) => {
      // Loaded on use: bench/ (and ccxt, a dev dependency) is not part of the host bundle.
      const { formatBookBench, runBookBench } = await import('../../bench/book.js');
      const result = runBookBench({ events: opts.events, rounds: opts.rounds, seed: opts.seed, alternatives: opts.alternatives });
      process.stdout.write(opts.json ? `${JSON.stringify(result)}\n` : `${formatBookBench(result)}\n`);
      if (!result.books_agree) throw new CommandFailed('DSM and baseline books differ after the same updates: the benchmark is invalid');
      if (opts.strict && !result.targets.met) throw new CommandFailed(`targets missed: ${result.ratio}x ccxt, ${result.dsm_updates_per_s} updates/s`);
    });
}

/** One entry per `dsm bench` subcommand. */
export const BENCH_SUBCOMMANDS: Array<(bench: Command) => void> = [registerBook, registerPipeline, registerLoad, registerFeed, registerRecorded, registerScale];

export function register(program: Command): void {
  const bench = program
    .command('bench')
    .description('benchmarks: DSM against its baseline, side by side in one run')
    .exitOverride();
  for (const sub of BENCH_SUBCOMMANDS) sub(bench);
}
