/**
 * Wiring of a running agent: the NATS connection for service summaries, the Prometheus exporter,
 * the CloudWatch batcher (or a dry-run printer), and the agent itself. Shared by
 * `dsm metrics-agent`, `dsm dashboard --local` and the local `dsm tune`.
 */
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { NatsConnection } from 'nats';
import type { DsmConfig } from '../../config/schema.js';
import { natsNode } from '../../config/topology.js';
import { childLogger } from '../common/log.js';
import { connectAs } from '../nats/connect.js';
import { clientUrls } from '../../config/topology.js';
import { defaultAgentNodes, MetricsAgent, type AgentNode, type MetricSink } from './agent.js';
import { CloudWatchEmitter, toDatum } from './cloudwatch.js';
import { recordingClientFromEnv } from './cloudwatch-record.js';
import { PrometheusExporter } from './prometheus.js';

export interface AgentRuntimeOptions {
  /** TLS directory holding the ops client certificate; without it no summaries are collected. */
  tlsDir?: string;
  /** Scrape only this node (1-based), as an agent on a NATS host does. */
  node?: number;
  /** Client URLs to connect to for summaries (default: every node). */
  servers?: string[];
  intervalMs?: number;
  cloudwatch?: 'off' | 'on' | 'dry-run';
  /** Region for CloudWatch (default: the config's). */
  region?: string;
  /** Prometheus port; 0 picks a free one; undefined disables the exporter. */
  prometheusPort?: number;
  prometheusHost?: string;
  /** Identity the agent connects as (must be allowed to subscribe to `_DSM.metrics.>`). */
  identity?: string;
}

export interface AgentRuntime {
  agent: MetricsAgent;
  prometheus?: PrometheusExporter;
  prometheusUrl?: string;
  emitter?: CloudWatchEmitter;
  nc?: NatsConnection;
  stop(): Promise<void>;
}

export async function startAgentRuntime(cfg: DsmConfig, opts: AgentRuntimeOptions = {}): Promise<AgentRuntime> {
  const log = childLogger('metrics-agent');
  const sinks: MetricSink[] = [];
  let nodes: AgentNode[] = defaultAgentNodes(cfg);
  if (opts.node !== undefined) {
    const n = natsNode(cfg, opts.node);
    nodes = [{ name: n.name, monitorUrl: `http://${n.ip}:${n.monitorPort}` }];
  }

  let prometheus: PrometheusExporter | undefined;
  let prometheusUrl: string | undefined;
  if (opts.prometheusPort !== undefined) {
    prometheus = new PrometheusExporter();
    const addr = await prometheus.listen(opts.prometheusHost ?? cfg.metrics.prometheusHost, opts.prometheusPort);
    prometheusUrl = `http://${addr.address}:${addr.port}/metrics`;
    sinks.push({ write: (p) => prometheus!.update(p) });
  }

  let emitter: CloudWatchEmitter | undefined;
  if (opts.cloudwatch === 'on') {
    const region = opts.region ?? cfg.aws?.region;
    if (!region) throw new Error(`environment "${cfg.env}" has no aws.region for CloudWatch; pass a region or turn CloudWatch off`);
    // One attempt per SDK call: the emitter owns retries, backoff and the drop accounting.
    // DSM_CLOUDWATCH_RECORD (the twin): record the requests to a file instead of sending them.
    emitter = new CloudWatchEmitter(recordingClientFromEnv() ?? new CloudWatchClient({ region, maxAttempts: 1 }), { namespace: cfg.metrics.namespace, storageResolution: cfg.metrics.storageResolution });
    emitter.start(opts.intervalMs ?? cfg.metrics.scrapeIntervalSeconds * 1000);
    sinks.push({ write: (p) => emitter!.enqueue(p) });
  } else if (opts.cloudwatch === 'dry-run') {
    sinks.push({
      write: (points) => {
        if (points.length === 0) return;
        const data = points.map((p) => toDatum(p, cfg.metrics.storageResolution));
        process.stdout.write(`would call PutMetricData Namespace=${cfg.metrics.namespace} MetricData=${data.length} [${data.map((d) => `${d.MetricName}{${d.Dimensions!.map((x) => `${x.Name}=${x.Value}`).join(',')}}=${Math.round(d.Value! * 100) / 100}`).join(' ')}]\n`);
      },
    });
  }

  let nc: NatsConnection | undefined;
  if (opts.tlsDir) {
    const identity = opts.identity ?? cfg.identities.find((i) => i.role === 'ops')?.name ?? 'ops';
    // An agent pinned to a node (a NATS host) connects to that node only: it shares its host's fate,
    // and needs no path to the other NATS hosts (the NATS security group admits 4222 from peers too).
    const servers = opts.servers ?? (opts.node !== undefined ? [clientUrls(cfg)[opts.node - 1]!] : undefined);
    nc = await connectAs(cfg, identity, { tlsDir: opts.tlsDir, name: 'dsm-metrics-agent', ...(servers ? { servers } : {}) });
  }

  const agent = new MetricsAgent(cfg, { nodes, sinks, ...(nc ? { nc } : {}), ...(opts.intervalMs ? { intervalMs: opts.intervalMs } : {}) });
  await agent.start();
  log.info({ nodes: nodes.map((n) => n.name), prometheus: prometheusUrl, cloudwatch: opts.cloudwatch ?? 'off', summaries: Boolean(nc) }, 'metrics agent running');

  return {
    agent, nc, emitter, prometheus, prometheusUrl,
    async stop() {
      await agent.stop();
      await emitter?.stop();
      await prometheus?.close();
      await nc?.close().catch(() => undefined);
      if (emitter && (emitter.stats.dropped > 0 || emitter.stats.rejected > 0)) {
        log.warn({ ...emitter.stats }, 'CloudWatch points were dropped or rejected during this run');
      }
    },
  };
}
