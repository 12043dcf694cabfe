/** `dsm bench feed`: a live venue feed through the ingest, venue sync on the ingest thread vs in the owning worker, in one run. */
import type { Command } from 'commander';
import { positiveInt } from '../options.js';

export function registerFeed(bench: Command): void {
  bench
    .command('feed')
    .description('a local Binance-protocol peer through the ingest with worker threads: feed on the ingest thread (post to worker, second book) vs feed in the owning worker (one book); ingest->publish hop and throughput, alternating in one run')
    .option('--messages <n>', 'book changes per throughput run', positiveInt('--messages'), 100_000)
    .option('--latency-messages <n>', 'book changes per latency run', positiveInt('--latency-messages'), 50_000)
    .option('--rate <n>', 'offered rate of the latency runs (changes/s)', positiveInt('--rate'), 10_000)
    .option('--symbols <n>', 'symbols on the feed', positiveInt('--symbols'), 8)
    .option('--workers <n>', 'ingest worker threads', positiveInt('--workers'), 2)
    .option('--rounds <n>', 'alternating rounds', positiveInt('--rounds'), 2)
    .exitOverride()
    .action(async (opts: { messages: number; latencyMessages: number; rate: number; symbols: number; workers: number; rounds: number }) => {
      const { runFeedBench } = await import('../../bench/venue-feed.js');
      const r = await runFeedBench({ ...opts, log: (l) => process.stderr.write(`${l}\n`) });
      process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
    });
}

/** `dsm bench recorded`: a recorded session, books kept on the ingest thread (former shape) vs in the owning worker. */
export function registerRecorded(bench: Command): void {
  bench
    .command('recorded')
    .description('a generated Binance capture through the ingest with worker threads: venue sync and a second book on the ingest thread (former shape) vs decode-only ingest thread and one book in the owning worker; throughput and ingest->publish hop, alternating in one run')
    .option('--messages <n>', 'book changes in the throughput recording', positiveInt('--messages'), 100_000)
    .option('--latency-messages <n>', 'book changes in the paced recording', positiveInt('--latency-messages'), 20_000)
    .option('--rate <n>', 'recorded rate of the paced recording (changes/s)', positiveInt('--rate'), 5_000)
    .option('--symbols <n>', 'symbols in the recording', positiveInt('--symbols'), 8)
    .option('--workers <n>', 'ingest worker threads', positiveInt('--workers'), 2)
    .option('--rounds <n>', 'alternating rounds', positiveInt('--rounds'), 2)
    .exitOverride()
    .action(async (opts: { messages: number; latencyMessages: number; rate: number; symbols: number; workers: number; rounds: number }) => {
      const { runRecordedBench } = await import('../../bench/recorded-feed.js');
      const r = await runRecordedBench({ ...opts, log: (l) => process.stderr.write(`${l}\n`) });
      process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
    });
}
