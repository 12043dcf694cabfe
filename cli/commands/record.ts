/**
 * `dsm record`: write a live venue WebSocket feed to the capture format that `dsm book replay`
 * and the tests read (services/feeds/samples/PROVENANCE.md).
 */
import { Option, type Command } from 'commander';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import type { PlanOptions, RecordingPlan } from '../../services/feeds/capture/plan.js';
import { recordFeed, RecordError } from '../../services/feeds/capture/recorder.js';
import { VENUES, venueNamed } from '../../services/feeds/registry.js';
import { CommandFailed, UsageError } from '../exit.js';
import { nonNegativeNumber, positiveInt } from '../options.js';

/** Every venue in the registry that has a WebSocket feed to record. */
const RECORDABLE: Record<string, (symbols: string[], opts: PlanOptions) => RecordingPlan> = Object.fromEntries(
  VENUES.flatMap((v) => (v.record ? [[v.name, v.record] as const] : [])),
);

interface RecordCliOptions {
  venue: string;
  symbols: string;
  out: string;
  restOut?: string;
  seconds?: number;
  url?: string;
  restUrl?: string;
  depth?: number;
  kind?: string;
}

export function register(program: Command): void {
  program
    .command('record')
    .description('record a live exchange WebSocket feed to a capture file (replay it with dsm book replay)')
    .addOption(new Option('--venue <venue>', 'exchange to record').choices(Object.keys(RECORDABLE)).makeOptionMandatory())
    .requiredOption('--symbols <list>', 'comma-separated symbols as the venue spells them (NKNUSDT / XBT/USD / BTC-USD)')
    .requiredOption('--out <file>', 'capture file for WebSocket frames')
    .option('--rest-out <file>', 'capture file for REST depth snapshots (binance; default: <out>.rest.txt)')
    .option('--seconds <n>', 'stop after n seconds (default: until Ctrl-C or the server closes)', nonNegativeNumber('--seconds'))
    .option('--url <ws-url>', "override the venue's WebSocket URL")
    .option('--rest-url <base>', "override the venue's REST base URL (binance)")
    .option('--depth <n>', 'book depth to subscribe to (kraken: 10/25/100/500/1000; binance snapshot limit)', positiveInt('--depth'))
    .option('--kind <kind>', 'live feed kind to record, for a venue with several protocols (coinbase: coinbase-ws, the default, or the sequenced coinbase-advanced-ws)')
    .action(async (opts: RecordCliOptions) => {
      const symbols = opts.symbols.split(',').map((s) => s.trim()).filter((s) => s !== '');
      if (symbols.length === 0) throw new UsageError('--symbols must name at least one symbol');
      if (!existsSync(dirname(opts.out) || '.')) throw new UsageError(`--out directory does not exist: ${dirname(opts.out)}`);
      const kinds = venueNamed(opts.venue)?.liveKinds ?? [];
      if (opts.kind !== undefined && !kinds.includes(opts.kind)) throw new UsageError(`--kind: ${opts.venue} records ${kinds.join(' or ')}, not ${opts.kind}`);
      let plan: RecordingPlan;
      try {
        plan = RECORDABLE[opts.venue]!(symbols, { wsUrl: opts.url, restBase: opts.restUrl, depth: opts.depth, kind: opts.kind });
      } catch (err) {
        throw new UsageError(err instanceof Error ? err.message : String(err));
      }
      const restOut = plan.rest.length > 0 ? (opts.restOut ?? restPathFor(opts.out)) : undefined;
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        const stats = await recordFeed(plan, { out: opts.out, restOut, seconds: opts.seconds, signal: stop.signal });
        process.stdout.write(`${JSON.stringify(stats, null, 2)}\n`);
        if (stats.restFailed > 0) throw new CommandFailed(`${stats.restFailed} REST snapshot(s) failed; the replay cannot sync those symbols`);
      } catch (err) {
        if (err instanceof RecordError) throw new CommandFailed(err.message);
        throw err;
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}

/** binance.ws.txt -> binance.rest.txt; capture.txt -> capture.rest.txt. */
export function restPathFor(out: string): string {
  if (/\.ws\.txt$/.test(out)) return out.replace(/\.ws\.txt$/, '.rest.txt');
  return /\.[^./]+$/.test(out) ? out.replace(/(\.[^./]+)$/, '.rest$1') : `${out}.rest.txt`;
}
