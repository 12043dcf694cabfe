/** `dsm bench load`: replay the recordings at a steady rate, ×N, or with a market-open burst. */
import type { Command } from 'commander';
import type { LoadProfile } from '../../bench/load.js';
import { UsageError } from '../exit.js';
import { positiveInt } from '../options.js';

export function registerLoad(bench: Command): void {
  bench
    .command('load')
    .description('replay the recorded sessions against the cluster (steady rate, xN, or market-open burst); report sustained rates and where backpressure appeared')
    .option('--profile <kind>', 'steady | multiplier | burst', 'steady')
    .option('--rate <n>', 'steady: offered updates/s; burst: the base rate', positiveInt('--rate'), 20_000)
    .option('--speed <n>', 'multiplier: times recorded speed', positiveInt('--speed'), 10)
    .option('--peak <n>', 'burst: offered updates/s during the burst', positiveInt('--peak'), 100_000)
    .option('--burst-seconds <n>', 'burst: how long the opening burst lasts', positiveInt('--burst-seconds'), 3)
    .option('--seconds <n>', 'how long to run', positiveInt('--seconds'), 10)
    .option('--subscribers <n>', 'subscribers, spread over the nodes', positiveInt('--subscribers'), 2)
    .option('--queue <n>', 'subscriber queue bound (messages)', positiveInt('--queue'))
    .option('--json', 'print the report as JSON')
    .exitOverride()
    .action(async (opts: { profile: string; rate: number; speed: number; peak: number; burstSeconds: number; seconds: number; subscribers: number; queue?: number; json?: boolean }) => {
      let profile: LoadProfile;
      if (opts.profile === 'steady') profile = { kind: 'steady', rate: opts.rate };
      else if (opts.profile === 'multiplier') profile = { kind: 'multiplier', speed: opts.speed };
      else if (opts.profile === 'burst') profile = { kind: 'burst', baseRate: opts.rate, peakRate: opts.peak, burstSeconds: opts.burstSeconds };
      else throw new UsageError(`--profile must be steady, multiplier or burst, got "${opts.profile}"`);
      const { runLoad } = await import('../../bench/load.js');
      const r = await runLoad({ profile, seconds: opts.seconds, subscribers: opts.subscribers, queueBound: opts.queue, root: process.cwd(), log: opts.json ? undefined : (l) => process.stderr.write(`${l}\n`) });
      if (opts.json) { process.stdout.write(`${JSON.stringify(r)}\n`); return; }
      process.stdout.write([
        `load profile ${JSON.stringify(r.profile)} for ${r.seconds} s, ${r.subscribers} subscribers (queue bound ${r.queue_bound})`,
        `sustained: offered ${r.sustained.offered_per_s}/s, published ${r.sustained.published_per_s}/s, received ${r.sustained.received_per_s.join(' / ')} /s per subscriber`,
        `peak:      offered ${r.peak.offered_per_s}/s, published ${r.peak.published_per_s}/s, received ${r.peak.received_per_s.join(' / ')} /s`,
        `backpressure: ${r.backpressure.length ? r.backpressure.map((b) => `t=${b.t}s ${b.what}`).join('; ') : 'none'}`,
        `books consistent at the end: ${r.books_consistent}`,
      ].join('\n') + '\n');
    });
}
