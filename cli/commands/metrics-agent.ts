/** `dsm metrics-agent`: scrape NATS, collect service latency, emit to CloudWatch and Prometheus. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { type Command, Option } from 'commander';
import { startAgentRuntime } from '../../services/metrics/runtime.js';
import { UsageError } from '../exit.js';
import { DIR_OPTION, localDir } from '../local-dir.js';
import { ENV_OPTION, configFor, portNumber, positiveInt } from '../options.js';

interface Opts {
  env: string;
  dir?: string;
  tlsDir?: string;
  node?: number;
  interval?: number;
  cloudwatch: 'on' | 'off' | 'dry-run' | 'auto';
  prometheusPort?: number;
  prometheusHost?: string;
  prometheus: boolean;
  duration?: number;
}

export function register(program: Command): void {
  program
    .command('metrics-agent')
    .description('scrape nats-server /varz /routez /connz, collect services\' latency summaries, emit to CloudWatch and Prometheus')
    .option(...ENV_OPTION)
    .option(...DIR_OPTION)
    .option('--tls-dir <path>', 'TLS directory with the ops client certificate (default: <dir>/tls locally, /etc/dsm/tls on AWS)')
    .option('--node <n>', 'scrape only this node (an agent on a NATS host)', positiveInt('--node'))
    .option('--interval <seconds>', 'scrape interval (default: metrics.scrapeIntervalSeconds)', positiveInt('--interval'))
    .addOption(new Option('--cloudwatch <mode>', 'emit to CloudWatch: on, off, dry-run (print the calls), auto (on for AWS envs)').choices(['on', 'off', 'dry-run', 'auto']).default('auto'))
    .option('--prometheus-port <port>', 'Prometheus exporter port (default: metrics.prometheusPort; 0 picks a free one, printed at start)', portNumber('--prometheus-port', true))
    .option('--prometheus-host <address>', 'address the Prometheus exporter binds (default: metrics.prometheusHost; on AWS the NATS host\'s private IP)')
    .option('--no-prometheus', 'do not expose Prometheus metrics')
    .option('--duration <seconds>', 'stop after this long (default: run until interrupted)', positiveInt('--duration'))
    .action(async (opts: Opts) => {
      const cfg = configFor(opts);
      const tlsDir = opts.tlsDir ?? (cfg.nats.placement === 'loopback' ? path.join(localDir(cfg.env, opts.dir), 'tls') : '/etc/dsm/tls');
      if (opts.tlsDir && !existsSync(opts.tlsDir)) throw new UsageError(`--tls-dir ${opts.tlsDir} does not exist`);
      const cloudwatch = opts.cloudwatch === 'auto' ? (cfg.aws ? 'on' : 'off') : opts.cloudwatch;
      if (cloudwatch === 'on' && !cfg.aws) throw new UsageError(`environment "${cfg.env}" has no aws section; use --cloudwatch off or dry-run`);
      const rt = await startAgentRuntime(cfg, {
        // Without certificates the agent still scrapes the servers; it just cannot hear service summaries.
        ...(existsSync(tlsDir) ? { tlsDir } : {}),
        ...(opts.node ? { node: opts.node } : {}),
        ...(opts.interval ? { intervalMs: opts.interval * 1000 } : {}),
        cloudwatch,
        ...(opts.prometheus ? { prometheusPort: opts.prometheusPort ?? cfg.metrics.prometheusPort, ...(opts.prometheusHost ? { prometheusHost: opts.prometheusHost } : {}) } : {}),
      });
      if (rt.prometheusUrl) process.stdout.write(`prometheus metrics on ${rt.prometheusUrl}\n`);
      if (!rt.nc) process.stdout.write(`no client certificate in ${tlsDir}: scraping servers only, no service latency\n`);
      await new Promise<void>((resolve) => {
        const done = () => resolve();
        process.once('SIGINT', done);
        process.once('SIGTERM', done);
        if (opts.duration) setTimeout(done, opts.duration * 1000);
      });
      await rt.stop();
    });
}
