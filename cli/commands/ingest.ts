import type { Command } from 'commander';
import { IngestService } from '../../services/ingest/service.js';
import { HaIngest } from '../../services/ingest/ha/ha-ingest.js';
import { parsePace } from '../../services/ingest/sources/pacing.js';
import { childLogger } from '../../services/common/log.js';
import { SERVERS_OPTION, TLS_DIR_OPTION, serversFor, tlsDirFor } from '../connection-options.js';
import { UsageError } from '../exit.js';
import { ENV_OPTION, configFor, positiveInt } from '../options.js';

export function register(program: Command): void {
  program
    .command('ingest')
    .description('run the feed sources named in the config: decode, keep books, publish deltas on <EXCHANGE>.<SYMBOL>.orderbook')
    .option(...ENV_OPTION)
    .option('--pace <pace>', 'replay pace for recorded feeds: recorded, max, or a multiplier such as 10x', 'recorded')
    .option('--exchanges <names>', 'comma-separated subset of the configured exchanges')
    .option('--workers <n>', 'worker threads (default from config)', positiveInt('--workers'))
    .option('--epoch <n>', 'publisher epoch (fencing token)', positiveInt('--epoch'), 1)
    .option('--publisher-id <id>', 'stable id of this process', 'ingest')
    .option('--lease <group>', 'hot standby: join the leader lease of this group and publish only while holding it')
    .option('--coalesce', 'opt-in batching: one message per symbol per event-loop turn for changes that arrive together (docs/wire-format.md)')
    .option(...TLS_DIR_OPTION)
    .option(...SERVERS_OPTION)
    .action(async (opts: { env: string; pace: string; exchanges?: string; workers?: number; epoch: number; publisherId: string; lease?: string; coalesce?: boolean; tlsDir?: string; servers?: string }) => {
      const config = configFor(opts);
      let pace;
      try { pace = parsePace(opts.pace); } catch (e) { throw new UsageError((e as Error).message); }
      const exchanges = opts.exchanges?.split(',').map((s) => s.trim());
      const unknown = exchanges?.filter((e) => !config.exchanges.some((x) => x.name === e));
      if (unknown?.length) throw new UsageError(`--exchanges: unknown ${unknown.join(', ')}; configured: ${config.exchanges.map((x) => x.name).join(', ')}`);
      const common = { config, pace, exchanges, workers: opts.workers, publisherId: opts.publisherId, tlsDir: tlsDirFor(config, opts), servers: serversFor(config, opts), root: process.cwd(), ...(opts.coalesce ? { coalesce: true } : {}) };
      const ha = opts.lease ? new HaIngest({ ...common, group: opts.lease }) : undefined;
      const ingest = ha ? ha.ingest : new IngestService({ ...common, epoch: opts.epoch });
      const log = childLogger('ingest');
      await (ha ?? ingest).start();
      const stop = () => { void (ha ?? ingest).stop().then(() => process.exit(0)); };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      const timer = setInterval(() => {
        const w = ingest.workerStats();
        log.info({ routed: ingest.routed, published: w.reduce((a, x) => a + x.published, 0), snapshotRequests: w.reduce((a, x) => a + x.snapshotRequests, 0) }, 'progress');
      }, 5000);
      const sources = await ingest.run();
      clearInterval(timer);
      const workers = ha ? (await ha.stop(), ingest.workerStats()) : await ingest.stop();
      process.stdout.write(`${JSON.stringify({ sources, published: workers.reduce((a, w) => a + w.published, 0), workers }, null, 2)}\n`);
    });
}
