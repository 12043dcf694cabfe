import type { Command } from 'commander';
import { isRecordedFeed } from '../../services/feeds/registry.js';
import { IngestService } from '../../services/ingest/service.js';
import { HaIngest } from '../../services/ingest/ha/ha-ingest.js';
import { parsePace } from '../../services/ingest/sources/pacing.js';
import { childLogger } from '../../services/common/log.js';
import { SymbolAnnouncer } from '../../services/ingest/announce.js';
import { IngestSummaries } from '../../services/ingest/summaries.js';
import { SymbolHealthLog } from '../../services/ingest/feed-health.js';
import { connectAs } from '../../services/nats/connect.js';
import { ServiceTuning } from '../../services/tune/apply.js';
import { SERVERS_OPTION, TLS_DIR_OPTION, serversFor, tlsDirFor } from '../connection-options.js';
import { UsageError } from '../exit.js';
import { note } from '../output.js';
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
    .option('--summary-interval <ms>', 'publish metrics summaries this often (default: metrics.scrapeIntervalSeconds)', positiveInt('--summary-interval'))
    .option('--progress-interval <ms>', 'log a progress line (routed, published, live feeds\' gaps, recoveries and per-symbol health) this often', positiveInt('--progress-interval'), 5000)
    .option('--coalesce', 'opt-in batching: one message per symbol per event-loop turn for changes that arrive together (docs/wire-format.md)')
    .option(...TLS_DIR_OPTION)
    .option(...SERVERS_OPTION)
    .action(async (opts: { env: string; pace: string; exchanges?: string; workers?: number; epoch: number; publisherId: string; lease?: string; summaryInterval?: number; progressInterval: number; coalesce?: boolean; tlsDir?: string; servers?: string }) => {
      const config = configFor(opts);
      let pace;
      try { pace = parsePace(opts.pace); } catch (e) { throw new UsageError((e as Error).message); }
      const exchanges = opts.exchanges?.split(',').map((s) => s.trim());
      const unknown = exchanges?.filter((e) => !config.exchanges.some((x) => x.name === e));
      if (unknown?.length) throw new UsageError(`--exchanges: unknown ${unknown.join(', ')}; configured: ${config.exchanges.map((x) => x.name).join(', ')}`);
      // Recordings end; live feeds (UDP, WebSocket) run until stopped. Say which is which (the registry knows each venue's kinds).
      const isLive = (x: (typeof config.exchanges)[number]) => !isRecordedFeed(x);
      const selected = config.exchanges.filter((x) => !exchanges || exchanges.includes(x.name));
      const live = selected.filter(isLive);
      let recordingsLeft = selected.length - live.length;
      const onSourceEnd = (s: { exchange: string; source: string; updates: number; malformed: number }) => {
        recordingsLeft--;
        note(`recording ${s.exchange} (${s.source}) ended: ${s.updates} updates, ${s.malformed} malformed${recordingsLeft > 0 ? `; ${recordingsLeft} recording(s) still playing` : ''}`);
        if (recordingsLeft === 0 && live.length) note(`all recordings ended; live sources keep running: ${live.map((x) => `${x.name} (${x.feed.kind})`).join(', ')} (Ctrl-C to stop)`);
      };
      const common = { config, pace, exchanges, onSourceEnd, workers: opts.workers, publisherId: opts.publisherId, tlsDir: tlsDirFor(config, opts), servers: serversFor(config, opts), root: process.cwd(), ...(opts.coalesce ? { coalesce: true } : {}) };
      const ha = opts.lease ? new HaIngest({ ...common, group: opts.lease }) : undefined;
      const ingest = ha ? ha.ingest : new IngestService({ ...common, epoch: opts.epoch });
      const log = childLogger('ingest');
      await (ha ?? ingest).start();
      // One control connection beside the workers' data connections: summaries and the symbol
      // announcements subscriber groups build their universe from.
      const control = await connectAs(config, 'ingest', { tlsDir: common.tlsDir, name: `${opts.publisherId}-control`, servers: common.servers });
      const summaries = new IngestSummaries(control, config, ingest, opts.publisherId, opts.summaryInterval).start();
      const announcer = new SymbolAnnouncer(control, config, opts.publisherId, () => ingest.knownSymbols()).start();
      // The feedback loop's batch size (updates per hand-off to a worker), applied live and acknowledged.
      const tuning = new ServiceTuning(control, config, opts.publisherId.replace(/[^A-Za-z0-9_-]/g, '-'), [{ setting: 'batchMessages', get: () => ingest.batchSize, set: (v) => ingest.setBatchMessages(v) }]).start();
      const stop = () => {
        announcer.stop();
        tuning.stop();
        void summaries.stop().then(async () => { await (ha ?? ingest).stop(); await control.close(); }).then(() => process.exit(0));
      };
      note(`ingesting ${selected.map((x) => `${x.name} (${isLive(x) ? 'live ' : 'recorded '}${x.feed.kind})`).join(', ')} at pace ${opts.pace} on ${common.servers.join(', ')}`);
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      // Per-symbol detail lives here (and in CloudWatch Logs through the unit's journal), not in
      // metric dimensions: the symbols stale now, and those whose counters moved since the last line.
      const symbolLog = new SymbolHealthLog();
      const timer = setInterval(() => {
        const w = ingest.workerStats();
        // Live feeds' recovery counters, from this thread's sources and the ones the workers run.
        const feeds = [...ingest.sources.map((s) => s.stats), ...ingest.shardFeedStats()].filter((s) => s.symbols);
        const health = feeds.flatMap((s) => Object.entries(s.symbols!).map(([sym, h]) => ({ sym: `${s.exchange}:${sym}`, ...h })));
        const line = symbolLog.next(feeds);
        log.info({
          routed: ingest.routed, published: w.reduce((a, x) => a + x.published, 0), snapshotRequests: w.reduce((a, x) => a + x.snapshotRequests, 0),
          ...(health.length ? {
            gaps: health.reduce((a, h) => a + h.gaps, 0), recoveries: health.reduce((a, h) => a + h.recoveries, 0), staleMs: health.reduce((a, h) => a + h.staleMs, 0),
            stale: health.filter((h) => h.stale).map((h) => h.sym), symbols: line.symbols, ...(line.omitted ? { symbolsOmitted: line.omitted } : {}),
          } : {}),
        }, 'progress');
      }, opts.progressInterval);
      const sources = await ingest.run();
      clearInterval(timer);
      announcer.stop();
      tuning.stop();
      await summaries.stop();
      summaries.flush();
      await control.close().catch(() => undefined);
      const workers = ha ? (await ha.stop(), ingest.workerStats()) : await ingest.stop();
      process.stdout.write(`${JSON.stringify({ sources, published: workers.reduce((a, w) => a + w.published, 0), workers }, null, 2)}\n`);
    });
}
