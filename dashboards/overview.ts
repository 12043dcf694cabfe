/**
 * The overview dashboard: per-hop latency, NATS load and health per node, the subscriber ASG, and
 * CPU/network per tier. Lines are built from the config (nodes, hops, cluster), never listed by hand.
 */
import { HOPS } from '../config/metrics.js';
import type { DsmConfig } from '../config/schema.js';
import { natsNodes } from '../config/topology.js';
import { HOP_LABELS, type AwsLine, type DashboardDef, type DsmLine, type ExprLine, type Panel, type PanelLine } from './model.js';
import { dashboardName, subscriberAsgName } from './names.js';

/** Real resource identifiers the stacks know at synth time (cdktf tokens are fine here). */
export interface DashboardResources {
  subscriberAsgName?: string;
  natsInstanceIds?: string[];
  ingestionInstanceIds?: string[];
}

function perNode(cfg: DsmConfig, metric: DsmLine['metric']): DsmLine[] {
  const cluster = cfg.nats.clusterName;
  return natsNodes(cfg).map((n) => ({ kind: 'dsm', metric, dimensions: { Cluster: cluster, Node: n.name }, label: n.name }));
}

function latencyPanel(cfg: DsmConfig, hop: (typeof HOPS)[number]): Panel {
  const dims = { Cluster: cfg.nats.clusterName, Hop: hop };
  return {
    kind: 'panel',
    title: `Latency ${HOP_LABELS[hop]}`,
    unit: 'µs',
    stat: 'Maximum',
    width: 8,
    height: 6,
    yMin: 0,
    lines: [
      { kind: 'dsm', metric: 'latencyP50', dimensions: dims, label: 'p50' },
      { kind: 'dsm', metric: 'latencyP99', dimensions: dims, label: 'p99' },
      { kind: 'dsm', metric: 'latencyP999', dimensions: dims, label: 'p99.9' },
    ],
    ...(hop === 'end_to_end' ? { thresholds: [{ label: 'p99 SLO', value: cfg.thresholds.e2eP99Micros, color: '#d62728' }] } : {}),
  };
}

/**
 * EC2 metrics per tier: the subscriber tier by its ASG; the NATS and ingestion instances by id
 * when the stacks pass them, else a SEARCH over every instance (labelled as such).
 */
function tierLines(metric: 'CPUUtilization' | 'NetworkIn', asg: string, res: DashboardResources): PanelLine[] {
  const lines: PanelLine[] = [{ kind: 'aws', namespace: 'AWS/EC2', name: metric, dimensions: { AutoScalingGroupName: asg }, label: 'subscribers' }];
  const tiers: Array<[string, string[] | undefined]> = [['nats', res.natsInstanceIds], ['ingestion', res.ingestionInstanceIds]];
  for (const [tier, ids] of tiers) {
    if (ids?.length) {
      ids.forEach((id, i) => lines.push({ kind: 'aws', namespace: 'AWS/EC2', name: metric, dimensions: { InstanceId: id }, label: `${tier}-${i + 1}` } satisfies AwsLine));
    }
  }
  if (!res.natsInstanceIds?.length || !res.ingestionInstanceIds?.length) {
    const stat = metric === 'CPUUtilization' ? 'Average' : 'Sum';
    lines.push({ kind: 'expression', id: `all${metric === 'CPUUtilization' ? 'cpu' : 'net'}`, label: 'all instances', expression: `SEARCH('{AWS/EC2,InstanceId} MetricName="${metric}"', '${stat}', 300)` } satisfies ExprLine);
  }
  return lines;
}

export function overviewDashboard(cfg: DsmConfig, res: DashboardResources = {}): DashboardDef {
  const cluster = cfg.nats.clusterName;
  const asg = res.subscriberAsgName ?? subscriberAsgName(cfg);
  const expectedRoutes = cfg.thresholds.minRoutesPerNode ?? cfg.nats.nodes - 1;
  return {
    name: dashboardName(cfg, 'overview'),
    title: `DSM ${cfg.env}: overview`,
    tiles: [
      { kind: 'note', width: 24, height: 2, markdown: `# DSM ${cfg.env} — cluster \`${cluster}\`\nPer-hop latency (µs), NATS load per node, cluster health, subscriber scaling and tier resources. Generated from \`dashboards/overview.ts\`; edit there, then \`dsm dashboards import\`.` },
      ...HOPS.map((hop) => latencyPanel(cfg, hop)),
      { kind: 'panel', title: 'Messages in per node', unit: 'msg/s', stat: 'Average', width: 8, height: 6, yMin: 0, lines: perNode(cfg, 'natsMsgsInRate') },
      { kind: 'panel', title: 'Messages out per node', unit: 'msg/s', stat: 'Average', width: 8, height: 6, yMin: 0, lines: perNode(cfg, 'natsMsgsOutRate') },
      // Stacked per-node figures: their top is the cluster total, and every node's agent emits its own
      // (a cluster-only metric would stay empty on AWS, where each agent scrapes one node).
      { kind: 'panel', title: 'Delivered to clients (stacked: cluster total)', unit: 'msg/s', stat: 'Average', width: 8, height: 6, yMin: 0, stacked: true, lines: perNode(cfg, 'nodeDeliveredRate') },
      { kind: 'panel', title: 'Slow consumers per node', unit: 'count', stat: 'Sum', width: 8, height: 6, yMin: 0, lines: perNode(cfg, 'natsSlowConsumers') },
      { kind: 'panel', title: 'Routes per node', unit: 'count', stat: 'Minimum', width: 8, height: 6, yMin: 0, lines: perNode(cfg, 'natsRoutes'), thresholds: [{ label: 'expected', value: expectedRoutes, color: '#2ca02c' }] },
      { kind: 'panel', title: 'Client connections per node', unit: 'count', stat: 'Maximum', width: 8, height: 6, yMin: 0, lines: perNode(cfg, 'natsConnections') },
      { kind: 'panel', title: 'Bytes in per node', unit: 'B/s', stat: 'Average', width: 12, height: 6, yMin: 0, lines: perNode(cfg, 'natsBytesInRate') },
      { kind: 'panel', title: 'Bytes out per node', unit: 'B/s', stat: 'Average', width: 12, height: 6, yMin: 0, lines: perNode(cfg, 'natsBytesOutRate') },
      {
        kind: 'panel', title: 'Subscriber ASG desired vs in service', unit: 'instances', stat: 'Average', width: 8, height: 6, yMin: 0,
        lines: [
          { kind: 'aws', namespace: 'AWS/AutoScaling', name: 'GroupDesiredCapacity', dimensions: { AutoScalingGroupName: asg }, label: 'desired' },
          { kind: 'aws', namespace: 'AWS/AutoScaling', name: 'GroupInServiceInstances', dimensions: { AutoScalingGroupName: asg }, label: 'in service' },
        ],
        ...(cfg.autoscaling ? { thresholds: [{ label: 'max', value: cfg.autoscaling.max, color: '#d62728' }] } : {}),
      },
      { kind: 'panel', title: 'CPU per tier', unit: '%', stat: 'Average', width: 8, height: 6, yMin: 0, lines: tierLines('CPUUtilization', asg, res) },
      { kind: 'panel', title: 'Network in per tier', unit: 'bytes', stat: 'Sum', width: 8, height: 6, yMin: 0, lines: tierLines('NetworkIn', asg, res) },
    ],
  };
}
