import { METRIC_NAMES, HOPS } from '../config/metrics.js';
import { loadConfig, validateConfig } from '../config/load.js';
import { localConfig } from '../config/local.js';
import { renderDashboards } from './index.js';
import type { DashboardBody, MetricWidget } from './model.js';
import { graphPeriod } from './render.js';
import { validateDashboardBody } from './validate.js';

const local = loadConfig('local');
const prod = loadConfig('prod');

function metricWidgets(body: DashboardBody): MetricWidget[] {
  return body.widgets.filter((w): w is MetricWidget => w.type === 'metric');
}

/** [namespace, name, dims...] of every non-expression line, read straight from the JSON. */
function metricRefs(body: DashboardBody): string[][] {
  return metricWidgets(body).flatMap((w) => w.properties.metrics.map((m) => (m as unknown[]).filter((p): p is string => typeof p === 'string')).filter((m) => m.length > 0));
}

describe('rendered dashboards', () => {
  for (const cfg of [local, prod]) {
    it(`${cfg.env}: every body is a valid CloudWatch dashboard body`, () => {
      const dashboards = renderDashboards(cfg);
      expect(dashboards.map((d) => d.name)).toEqual([`${cfg.nats.clusterName}-overview`, `${cfg.nats.clusterName}-exchanges`]);
      for (const d of dashboards) {
        expect(validateDashboardBody(d.body, cfg.metrics.namespace)).toEqual([]);
        // What AWS receives is the JSON string; it must survive the round trip unchanged.
        expect(JSON.parse(JSON.stringify(d.body))).toEqual(d.body);
        expect(d.name).toMatch(/^[A-Za-z0-9_-]{1,255}$/);
      }
    });

    it(`${cfg.env}: every widget names only metrics the agent emits, or an allowed AWS metric`, () => {
      for (const d of renderDashboards(cfg)) {
        const refs = metricRefs(d.body);
        expect(refs.length).toBeGreaterThan(0);
        for (const [ns, name] of refs) {
          if (ns === cfg.metrics.namespace) expect(METRIC_NAMES.has(name!), `${name} in ${d.name}`).toBe(true);
          else expect(['AWS/AutoScaling', 'AWS/EC2']).toContain(ns);
        }
      }
    });
  }

  it('overview has p50/p99/p99.9 per hop, in/out rate per node, slow consumers, routes, ASG and tier panels', () => {
    const [overview] = renderDashboards(prod);
    const refs = metricRefs(overview!.body).map((r) => r.join(' '));
    for (const hop of HOPS) {
      for (const name of ['LatencyP50', 'LatencyP99', 'LatencyP999']) expect(refs).toContain(`DSM ${name} Cluster dsm-prod Hop ${hop}`);
    }
    for (const node of ['nats-1', 'nats-2', 'nats-3']) {
      for (const name of ['NatsMsgsInRate', 'NatsMsgsOutRate', 'NatsSlowConsumers', 'NatsRoutes']) expect(refs).toContain(`DSM ${name} Cluster dsm-prod Node ${node}`);
    }
    expect(refs).toContain('AWS/AutoScaling GroupDesiredCapacity AutoScalingGroupName dsm-prod-subscribers');
    expect(refs).toContain('AWS/AutoScaling GroupInServiceInstances AutoScalingGroupName dsm-prod-subscribers');
    expect(refs).toContain('AWS/EC2 CPUUtilization AutoScalingGroupName dsm-prod-subscribers');
    expect(refs).toContain('AWS/EC2 NetworkIn AutoScalingGroupName dsm-prod-subscribers');
    const e2e = metricWidgets(overview!.body).find((w) => w.properties.title.startsWith('Latency end to end'))!;
    expect(e2e.properties.annotations?.horizontal).toEqual([{ label: 'p99 SLO', value: 500, color: '#d62728' }]);
    expect(e2e.properties).toMatchObject({ region: 'us-east-1', view: 'timeSeries', stat: 'Maximum', period: 5 });
  });

  it('follows the config: five nodes give five lines per node panel; stack resources replace the SEARCH', () => {
    const five = validateConfig({
      ...prod,
      nats: { ...prod.nats, nodes: 5 },
      aws: { ...prod.aws!, subnets: { ...prod.aws!.subnets, nats: ['10.40.1.0/24', '10.40.2.0/24', '10.40.3.0/24', '10.40.4.0/24', '10.40.5.0/24'] } },
    });
    const [overview] = renderDashboards(five, { resources: { subscriberAsgName: 'real-asg', natsInstanceIds: ['i-1', 'i-2'], ingestionInstanceIds: ['i-9'] } });
    const msgsIn = metricWidgets(overview!.body).find((w) => w.properties.title.startsWith('Messages in per node'))!;
    expect(msgsIn.properties.metrics).toHaveLength(5);
    const cpu = metricWidgets(overview!.body).find((w) => w.properties.title.startsWith('CPU per tier'))!;
    expect(cpu.properties.metrics).toEqual([
      ['AWS/EC2', 'CPUUtilization', 'AutoScalingGroupName', 'real-asg', { label: 'subscribers' }],
      ['AWS/EC2', 'CPUUtilization', 'InstanceId', 'i-1', { label: 'nats-1' }],
      ['AWS/EC2', 'CPUUtilization', 'InstanceId', 'i-2', { label: 'nats-2' }],
      ['AWS/EC2', 'CPUUtilization', 'InstanceId', 'i-9', { label: 'ingestion-1' }],
    ]);
    expect(validateDashboardBody(overview!.body, 'DSM')).toEqual([]);
  });

  it('the exchanges view has a flow and a faults panel per configured exchange', () => {
    const [, exchanges] = renderDashboards(local);
    const titles = metricWidgets(exchanges!.body).map((w) => w.properties.title);
    for (const ex of localConfig.exchanges) {
      expect(titles).toContain(`${ex.name} flow (events/s)`);
      expect(titles).toContain(`${ex.name} gaps, resyncs, malformed (count)`);
    }
    const refs = metricRefs(exchanges!.body).map((r) => r.join(' '));
    expect(refs).toContain('DSM PublishedRate Cluster dsm-local Exchange KRAKEN');
    expect(refs).toContain('DSM SequenceGaps Cluster dsm-local Exchange NYSE');
  });

  it('live WebSocket exchanges get a live recovery panel (symbols stale read with Maximum); recorded ones do not', () => {
    const [, exchanges] = renderDashboards(prod);
    const widgets = metricWidgets(exchanges!.body);
    const titles = widgets.map((w) => w.properties.title);
    for (const ex of ['BINANCE', 'KRAKEN', 'COINBASE']) expect(titles).toContain(`${ex} live recovery (count)`);
    expect(titles).not.toContain('NASDAQ live recovery (count)');
    const panel = widgets.find((w) => w.properties.title === 'KRAKEN live recovery (count)')!;
    expect(panel.properties.metrics).toContainEqual(['DSM', 'FeedSymbolsStale', 'Cluster', 'dsm-prod', 'Exchange', 'KRAKEN', expect.objectContaining({ stat: 'Maximum' })]);
    expect(panel.properties.metrics.map((m) => m[1])).toEqual(['FeedGaps', 'FeedRecoveries', 'FeedSymbolsStale', 'FeedStaleSeconds']);
    const [, localExchanges] = renderDashboards(local);
    expect(metricWidgets(localExchanges!.body).map((w) => w.properties.title).filter((t) => t.includes('live recovery'))).toEqual([]);
  });

  it('lays widgets on the 24-column grid without overlaps', () => {
    for (const d of renderDashboards(prod)) {
      for (const w of d.body.widgets) expect(w.x + w.width).toBeLessThanOrEqual(24);
    }
  });

  it('picks a graph period the resolution allows', () => {
    expect(graphPeriod(60, 10)).toBe(60);
    expect(graphPeriod(1, 5)).toBe(5);
    expect(graphPeriod(1, 7)).toBe(10);
    expect(graphPeriod(1, 45)).toBe(60);
  });
});

describe('validateDashboardBody', () => {
  const widget = (over: Record<string, unknown> = {}, props: Record<string, unknown> = {}) => ({
    type: 'metric', x: 0, y: 0, width: 12, height: 6,
    properties: { region: 'us-east-1', view: 'timeSeries', stat: 'Average', period: 60, metrics: [['DSM', 'NatsRoutes', 'Cluster', 'c', 'Node', 'n']], ...props },
    ...over,
  });

  it('accepts a minimal valid body', () => {
    expect(validateDashboardBody({ widgets: [widget()] }, 'DSM')).toEqual([]);
    expect(validateDashboardBody({ widgets: [] }, 'DSM')).toEqual([]);
  });

  it('names each structural problem', () => {
    expect(validateDashboardBody({}, 'DSM')).toEqual(['widgets: the body must include a widgets array']);
    expect(validateDashboardBody({ widgets: [widget({ x: 20, width: 8 })] }, 'DSM')).toEqual(['widgets[0]: x + width exceeds the 24-column grid']);
    expect(validateDashboardBody({ widgets: [widget(), widget({ x: 6 })] }, 'DSM')).toEqual(['widgets[1]: overlaps widgets[0]']);
    expect(validateDashboardBody({ widgets: [widget({ type: 'graph' })] }, 'DSM')[0]).toMatch(/^widgets\[0\]\.type: must be one of/);
    expect(validateDashboardBody({ widgets: [widget({}, { period: 45 })] }, 'DSM')).toEqual(['widgets[0].properties.period: must be 1, 5, 10, 30 or a multiple of 60, got 45']);
    expect(validateDashboardBody({ widgets: [widget({}, { region: undefined })] }, 'DSM')).toEqual(['widgets[0].properties.region: must be an AWS region']);
    expect(validateDashboardBody({ widgets: [widget({}, { metrics: [] })] }, 'DSM')).toEqual(['widgets[0].properties.metrics: a metric widget needs a non-empty metrics array']);
  });

  it('rejects metrics outside the catalog, wrong dimensions and unlisted namespaces', () => {
    const problems = (metrics: unknown[]) => validateDashboardBody({ widgets: [widget({}, { metrics })] }, 'DSM');
    expect(problems([['DSM', 'NatsMsgsPerFortnight', 'Cluster', 'c', 'Node', 'n']])).toEqual(['widgets[0].properties.metrics[0]: NatsMsgsPerFortnight is not a metric the agent emits (config/metrics.ts)']);
    expect(problems([['DSM', 'NatsRoutes', 'Cluster', 'c', 'Symbol', 'AAPL']])).toEqual(['widgets[0].properties.metrics[0]: NatsRoutes takes dimensions [Cluster, Node], got [Cluster, Symbol]']);
    expect(problems([['Custom/Thing', 'X']])).toEqual(['widgets[0].properties.metrics[0]: namespace Custom/Thing is neither the DSM namespace (DSM) nor AWS/*']);
    expect(problems([['AWS/Lambda', 'Invocations']])[0]).toMatch(/namespace AWS\/Lambda is not in the allowed AWS namespaces/);
    expect(problems([['DSM', 'NatsRoutes', 'Cluster', 'c', 'Node']])).toContain('widgets[0].properties.metrics[0]: dimensions must come in name/value pairs');
    expect(problems([[{ expression: 'SEARCH(...)', id: 'Bad' }]])).toEqual(['widgets[0].properties.metrics[0]: an expression needs an id starting with a lower-case letter']);
    expect(problems([['DSM', 'NatsRoutes', 'Cluster', 'c', 'Node', 'n', { stat: 'Median' }]])).toEqual(['widgets[0].properties.metrics[0]: stat "Median" is not a CloudWatch statistic']);
  });
});
