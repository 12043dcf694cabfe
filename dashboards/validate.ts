/**
 * Structural check of a CloudWatch dashboard body against AWS's documented syntax, plus the DSM
 * rule that every metric in our namespace is one the agent emits (config/metrics.ts) with exactly
 * its dimensions. AWS namespaces are allowed only from an explicit list. Returns one line per
 * problem, `widgets[3].properties.metrics[1]: ...`; empty means valid.
 */
import { METRICS } from '../config/metrics.js';

/** AWS namespaces the DSM dashboards may chart, and which metrics in them. */
export const ALLOWED_AWS_METRICS: Readonly<Record<string, readonly string[]>> = {
  'AWS/AutoScaling': ['GroupDesiredCapacity', 'GroupInServiceInstances', 'GroupMaxSize', 'GroupMinSize'],
  'AWS/EC2': ['CPUUtilization', 'NetworkIn', 'NetworkOut', 'NetworkPacketsIn', 'NetworkPacketsOut'],
};

const WIDGET_TYPES = new Set(['metric', 'text', 'log', 'alarm', 'explorer']);
const VIEWS = new Set(['timeSeries', 'singleValue', 'gauge', 'bar', 'pie', 'table']);
const STAT = /^(Average|Sum|Minimum|Maximum|SampleCount|p\d{1,2}(\.\d+)?|p100|IQM|(tm|wm|tc|ts|pr)\d{1,2}(\.\d+)?)$/;
const RENDER_KEYS = new Set(['id', 'label', 'color', 'stat', 'period', 'visible', 'yAxis', 'accountId', 'region', 'expression']);

const byName = new Map(Object.values(METRICS).map((m) => [m.name, m]));

function isInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v);
}

function validPeriod(p: unknown): boolean {
  return isInt(p) && (p === 1 || p === 5 || p === 10 || p === 30 || (p > 0 && p % 60 === 0));
}

function checkMetricArray(line: unknown, at: string, namespace: string, problems: string[]): void {
  if (!Array.isArray(line) || line.length === 0) {
    problems.push(`${at}: must be a non-empty array`);
    return;
  }
  const last = line[line.length - 1];
  const options = last !== null && typeof last === 'object' ? (last as Record<string, unknown>) : undefined;
  const parts = options ? line.slice(0, -1) : line;
  if (options) {
    for (const k of Object.keys(options)) if (!RENDER_KEYS.has(k)) problems.push(`${at}: unknown rendering option "${k}"`);
    if (options.stat !== undefined && !STAT.test(String(options.stat))) problems.push(`${at}: stat "${String(options.stat)}" is not a CloudWatch statistic`);
    if (options.period !== undefined && !validPeriod(options.period)) problems.push(`${at}: period must be 1, 5, 10, 30 or a multiple of 60`);
  }
  if (parts.length === 0) {
    if (typeof options?.expression !== 'string' || options.expression === '') problems.push(`${at}: an options-only entry must carry an expression`);
    else if (typeof options.id !== 'string' || !/^[a-z][a-zA-Z0-9_]*$/.test(options.id)) problems.push(`${at}: an expression needs an id starting with a lower-case letter`);
    return;
  }
  if (!parts.every((p) => typeof p === 'string' && p !== '')) {
    problems.push(`${at}: namespace, metric name and dimensions must be non-empty strings`);
    return;
  }
  const [ns, name, ...dims] = parts as string[];
  if (!name) {
    problems.push(`${at}: needs a namespace and a metric name`);
    return;
  }
  if (dims.length % 2 !== 0) problems.push(`${at}: dimensions must come in name/value pairs`);
  const dimNames = dims.filter((_, i) => i % 2 === 0);
  if (ns === namespace) {
    const def = byName.get(name);
    if (!def) {
      problems.push(`${at}: ${name} is not a metric the agent emits (config/metrics.ts)`);
      return;
    }
    if ([...dimNames].sort().join(',') !== [...def.dimensions].sort().join(',')) {
      problems.push(`${at}: ${name} takes dimensions [${def.dimensions.join(', ')}], got [${dimNames.join(', ')}]`);
    }
  } else if (ns && ns.startsWith('AWS/')) {
    const allowed = ALLOWED_AWS_METRICS[ns];
    if (!allowed) problems.push(`${at}: namespace ${ns} is not in the allowed AWS namespaces (${Object.keys(ALLOWED_AWS_METRICS).join(', ')})`);
    else if (!allowed.includes(name)) problems.push(`${at}: ${ns} ${name} is not an allowed AWS metric`);
  } else {
    problems.push(`${at}: namespace ${ns} is neither the DSM namespace (${namespace}) nor AWS/*`);
  }
}

function checkMetricWidget(props: Record<string, unknown>, at: string, namespace: string, problems: string[]): void {
  if (typeof props.region !== 'string' || !/^[a-z]{2}(-gov)?-[a-z]+-\d$/.test(props.region)) problems.push(`${at}.region: must be an AWS region`);
  if (props.view !== undefined && !VIEWS.has(String(props.view))) problems.push(`${at}.view: must be one of ${[...VIEWS].join(', ')}`);
  if (props.stat !== undefined && !STAT.test(String(props.stat))) problems.push(`${at}.stat: "${String(props.stat)}" is not a CloudWatch statistic`);
  if (props.period !== undefined && !validPeriod(props.period)) problems.push(`${at}.period: must be 1, 5, 10, 30 or a multiple of 60, got ${String(props.period)}`);
  if (props.title !== undefined && typeof props.title !== 'string') problems.push(`${at}.title: must be a string`);
  if (!Array.isArray(props.metrics) || props.metrics.length === 0) {
    problems.push(`${at}.metrics: a metric widget needs a non-empty metrics array`);
    return;
  }
  if (props.metrics.length > 500) problems.push(`${at}.metrics: at most 500 metrics per graph`);
  props.metrics.forEach((line, i) => checkMetricArray(line, `${at}.metrics[${i}]`, namespace, problems));
}

export function validateDashboardBody(body: unknown, namespace: string): string[] {
  const problems: string[] = [];
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return ['(root): the body must be a JSON object'];
  const widgets = (body as { widgets?: unknown }).widgets;
  if (!Array.isArray(widgets)) return ['widgets: the body must include a widgets array'];
  if (widgets.length > 500) problems.push(`widgets: at most 500 widgets, got ${widgets.length}`);
  const cells = new Map<string, number>();
  widgets.forEach((w: unknown, i) => {
    const at = `widgets[${i}]`;
    if (w === null || typeof w !== 'object') {
      problems.push(`${at}: must be an object`);
      return;
    }
    const widget = w as Record<string, unknown>;
    if (!WIDGET_TYPES.has(String(widget.type))) problems.push(`${at}.type: must be one of ${[...WIDGET_TYPES].join(', ')}, got ${String(widget.type)}`);
    const { x, y, width, height } = widget;
    if (x !== undefined && (!isInt(x) || x < 0 || x > 23)) problems.push(`${at}.x: must be an integer 0-23`);
    if (y !== undefined && (!isInt(y) || y < 0)) problems.push(`${at}.y: must be a non-negative integer`);
    if (width !== undefined && (!isInt(width) || width < 1 || width > 24)) problems.push(`${at}.width: must be an integer 1-24`);
    if (height !== undefined && (!isInt(height) || height < 1 || height > 1000)) problems.push(`${at}.height: must be an integer 1-1000`);
    if (isInt(x) && isInt(width) && x + width > 24) problems.push(`${at}: x + width exceeds the 24-column grid`);
    if (isInt(x) && isInt(y) && isInt(width) && isInt(height)) {
      for (let cx = x; cx < x + width; cx++) {
        for (let cy = y; cy < y + height; cy++) {
          const other = cells.get(`${cx},${cy}`);
          if (other !== undefined) {
            problems.push(`${at}: overlaps widgets[${other}]`);
            cy = y + height;
            cx = x + width;
          } else cells.set(`${cx},${cy}`, i);
        }
      }
    }
    const props = widget.properties;
    if (props === null || typeof props !== 'object') {
      problems.push(`${at}.properties: required`);
      return;
    }
    if (widget.type === 'metric') checkMetricWidget(props as Record<string, unknown>, `${at}.properties`, namespace, problems);
    if (widget.type === 'text' && typeof (props as { markdown?: unknown }).markdown !== 'string') problems.push(`${at}.properties.markdown: a text widget needs markdown`);
  });
  return problems;
}
