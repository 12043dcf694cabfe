/** `dsm bench pipeline`: DSM against raw nats.js on the same cluster, in one run. */
import type { Command } from 'commander';
import { CommandFailed } from '../exit.js';
import { intInRange, positiveInt } from '../options.js';

/** A whole market: NASDAQ TotalView lists about 8,000–10,000 symbols. */
export const MAX_BENCH_SYMBOLS = 10_000;

export function registerPipeline(bench: Command): void {
  bench
    .command('pipeline')
    .description('raw nats.js publish/subscribe vs the DSM pipeline (book, encode, publish, decode, mirror) on the same 3-node mTLS cluster; throughput and per-hop HDR latency')
    .option('--json', 'print one JSON object (raw_msgs_per_s, dsm_msgs_per_s, throughput_ratio, raw_latency_us, dsm_e2e_latency_us, offered_rate, ...)')
    .option('--messages <n>', 'messages per run', positiveInt('--messages'), 100_000)
    .option('--rate <n>', 'offered rate for the latency runs (msgs/s)', positiveInt('--rate'), 50_000)
    .option('--symbols <n>', `books the stream is spread over (1 to ${MAX_BENCH_SYMBOLS.toLocaleString('en-US')})`, intInRange('--symbols', 1, MAX_BENCH_SYMBOLS), 50)
    .option('--workers <n>', 'ingest worker threads (0: inline on the ingest thread)', intInRange('--workers', 0, 64), 0)
    .option('--strict', 'exit 1 when a target is missed')
    .exitOverride()
    .action(async (opts: { json?: boolean; messages: number; rate: number; symbols: number; workers: number; strict?: boolean }) => {
      const { formatPipelineBench, runPipelineBench } = await import('../../bench/pipeline.js');
      const result = await runPipelineBench({ ...opts, log: opts.json ? undefined : (l) => process.stderr.write(`${l}\n`) });
      process.stdout.write(opts.json ? `${JSON.stringify(result)}\n` : `${formatPipelineBench(result)}\n`);
      if (!result.books_equal) throw new CommandFailed('subscriber books differ from the reference: the benchmark is invalid');
      if (opts.strict && !result.targets.met) throw new CommandFailed('pipeline targets missed');
    });
}
