/** `dsm bench feed`: a live venue feed through the ingest, venue sync on the ingest thread vs in the owning worker, in one run. */
import type { Command } from 'commander';
import { positiveInt } from '../options.js';

interface FeedBenchOptions { messages: number; latencyMessages: number; rate: number; symbols: number; workers: number; rounds: number }

/** The options both feed benchmarks take (a throughput run, a paced latency run, alternating rounds), with their own defaults and wording. */
function feedBenchOptions(cmd: Command, d: { messages: [string, number]; latencyMessages: [string, number]; rate: [string, number]; symbols: string }): Command {
  return cmd
    .option('--messages <n>', d.messages[0], positiveInt('--messages'), d.messages[1])
    .option('--latency-messages <n>', d.latencyMessages[0], positiveInt('--latency-messages'), d.latencyMessages[1])
    .option('--rate <n>', d.rate[0], positiveInt('--rate'), d.rate[1])
    .option('--symbols <n>', d.symbols, positiveInt('--symbols'), 8)
    .option('--workers <n>', 'ingest worker threads', positiveInt('--workers'), 2)
    .option('--rounds <n>', 'alternating rounds', positiveInt('--rounds'), 2)
    .exitOverride();
}

export function registerFeed(bench: Command): void {
  const cmd = bench
    .command('feed')
    .description('a local Binance-protocol peer through the ingest with worker threads: feed on the ingest thread (post to worker, second book) vs feed in the owning worker (one book); ingest->publish hop and throughput, alternating in one run');
  feedBenchOptions(cmd, {
    messages: ['book changes per throughput run', 100_000], latencyMessages: ['book changes per latency run', 50_000],
    rate: ['offered rate of the latency runs (changes/s)', 10_000], symbols: 'symbols on the feed',
  })
    .action(async (opts: FeedBenchOptions) => {
      const { runFeedBench } = await import('../../bench/venue-feed.js');
      const r = await runFeedBench({ ...opts, log: (l) => process.stderr.write(`${l}\n`) });
      process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
    });
}

/** `dsm bench recorded`: a recorded session, books kept on the ingest thread (former shape) vs in the owning worker. */
export function registerRecorded(bench: Command): void {
  const cmd = bench
    .command('recorded')
    .description('a generated Binance capture through the ingest with worker threads: venue sync and a second book on the ingest thread (former shape) vs decode-only ingest thread and one book in the owning worker; throughput and ingest->publish hop, alternating in one run');
  feedBenchOptions(cmd, {
    messages: ['book changes in the throughput recording', 100_000], latencyMessages: ['book changes in the paced recording', 20_000],
    rate: ['recorded rate of the paced recording (changes/s)', 5_000], symbols: 'symbols in the recording',
  })
    .action(async (opts: FeedBenchOptions) => {
      const { runRecordedBench } = await import('../../bench/recorded-feed.js');
      const r = await runRecordedBench({ ...opts, log: (l) => process.stderr.write(`${l}\n`) });
      process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
    });
}
