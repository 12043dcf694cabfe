/**
 * The metric contract: every metric a scaling policy, alarm or dashboard widget of a synthesized
 * stack reads (namespace, name, dimensions) against what a run emitted. Pure: the stack JSON and
 * the recorded PutMetricData requests go in, lists come out.
 *
 * Only our own namespace is expected from the twin; AWS/* metrics are AWS's to publish and are
 * listed apart. Metric-math expressions are parsed for the ids they name (which resolve to the
 * query's metric_stat entries); SEARCH(...) expressions are read for their namespace and
 * MetricName when they spell them out, and listed as unresolved otherwise.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

export interface MetricRef {
  namespace: string;
  name: string;
  /** Dimension name -> value, sorted by name in `key`. */
  dimensions: Record<string, string>;
}

export interface Reference extends MetricRef {
  /** Terraform addresses (and widget titles) that read it. */
  readers: string[];
}

export interface UnresolvedExpression {
  reader: string;
  expression: string;
  why: string;
}

export interface References {
  metrics: Reference[];
  unresolved: UnresolvedExpression[];
}

/** Canonical identity of a metric: `Namespace/Name{Dim=value,...}` with dimensions sorted. */
export function metricKey(m: MetricRef): string {
  const dims = Object.keys(m.dimensions).sort().map((k) => `${k}=${m.dimensions[k]}`).join(',');
  return `${m.namespace}/${m.name}{${dims}}`;
}

function each(json: Json, type: string): Array<[string, Json]> {
  return Object.entries((json?.resource?.[type] ?? {}) as Record<string, Json>);
}

class Collector {
  private readonly byKey = new Map<string, Reference>();
  readonly unresolved: UnresolvedExpression[] = [];

  add(m: MetricRef, reader: string): void {
    const key = metricKey(m);
    const hit = this.byKey.get(key);
    if (hit) { if (!hit.readers.includes(reader)) hit.readers.push(reader); } else this.byKey.set(key, { ...m, readers: [reader] });
  }

  /** A CloudWatch expression: metric math over ids (resolved elsewhere) or SEARCH. */
  expression(expr: string, reader: string): void {
    if (!/SEARCH\s*\(/i.test(expr)) return; // plain metric math: its inputs are the query's other entries
    const query = /SEARCH\s*\(\s*'([^']*)'/i.exec(expr)?.[1] ?? /SEARCH\s*\(\s*"([^"]*)"/i.exec(expr)?.[1];
    const ns = query ? /\{\s*("?)([A-Za-z0-9/_.-]+)\1\s*[,}]/.exec(query)?.[2] ?? /Namespace\s*=\s*"?([A-Za-z0-9/_.-]+)"?/.exec(query)?.[1] : undefined;
    const name = query ? /MetricName\s*=\s*"?([A-Za-z0-9_.-]+)"?/.exec(query)?.[1] : undefined;
    if (ns && name) {
      // A SEARCH matches any dimension values; the contract is that at least one series exists.
      this.add({ namespace: ns, name, dimensions: {} }, `${reader} (SEARCH)`);
    } else {
      this.unresolved.push({ reader, expression: expr, why: 'SEARCH without a literal namespace and MetricName' });
    }
  }

  result(): References {
    return { metrics: [...this.byKey.values()].sort((a, b) => metricKey(a).localeCompare(metricKey(b))), unresolved: this.unresolved };
  }
}

const isExpr = (v: unknown) => typeof v === 'string' && v.includes('${');

function dimsFromList(list: Json): Record<string, string> {
  const out: Record<string, string> = {};
  for (const d of Array.isArray(list) ? list : []) out[String(d.name ?? d.Name)] = String(d.value ?? d.Value);
  return out;
}

/** Dashboard widget metrics array: [ns, name, dimName, dimValue, ..., {options}] or [".", ...] shorthand. */
function widgetMetrics(c: Collector, widget: Json, reader: string): void {
  const p = widget?.properties ?? {};
  let previous: string[] = [];
  for (const row of Array.isArray(p.metrics) ? p.metrics : []) {
    if (!Array.isArray(row)) continue;
    const opts = typeof row.at(-1) === 'object' && row.at(-1) !== null ? row.at(-1) : undefined;
    const parts = (opts ? row.slice(0, -1) : row).map(String);
    if (opts?.expression) { c.expression(String(opts.expression), reader); previous = []; continue; }
    // "." repeats the value in the same position of the previous row (CloudWatch shorthand).
    const full = parts.map((v: string, i: number) => (v === '.' ? previous[i] ?? v : v));
    previous = full;
    if (full.length < 2) continue;
    const [namespace, name, ...rest] = full;
    const dimensions: Record<string, string> = {};
    for (let i = 0; i + 1 < rest.length; i += 2) dimensions[rest[i]!] = rest[i + 1]!;
    c.add({ namespace: namespace!, name: name!, dimensions }, reader);
  }
  if (typeof p.query === 'string') c.unresolved.push({ reader, expression: p.query, why: 'Logs Insights / metrics insights query' });
}

/** Every metric the stack's scaling policies, alarms and dashboards read. */
export function referencedMetrics(json: Json): References {
  const c = new Collector();
  for (const [n, a] of each(json, 'aws_cloudwatch_metric_alarm')) {
    const reader = `aws_cloudwatch_metric_alarm.${n}`;
    if (a.metric_name) c.add({ namespace: String(a.namespace), name: String(a.metric_name), dimensions: Object.fromEntries(Object.entries(a.dimensions ?? {}).map(([k, v]) => [k, String(v)])) }, reader);
    for (const q of a.metric_query ?? []) {
      if (q.metric) c.add({ namespace: String(q.metric.namespace), name: String(q.metric.metric_name), dimensions: Object.fromEntries(Object.entries(q.metric.dimensions ?? {}).map(([k, v]) => [k, String(v)])) }, reader);
      if (q.expression) c.expression(String(q.expression), reader);
    }
  }
  for (const [n, pol] of each(json, 'aws_autoscaling_policy')) {
    const reader = `aws_autoscaling_policy.${n}`;
    const tt = pol.target_tracking_configuration;
    const custom = tt?.customized_metric_specification;
    if (custom?.metric_name) c.add({ namespace: String(custom.namespace), name: String(custom.metric_name), dimensions: dimsFromList(custom.metric_dimension) }, reader);
    for (const m of custom?.metrics ?? []) {
      const stat = m.metric_stat?.metric;
      if (stat) c.add({ namespace: String(stat.namespace), name: String(stat.metric_name), dimensions: dimsFromList(stat.dimensions) }, reader);
      if (m.expression) c.expression(String(m.expression), reader);
    }
    // Predefined metrics (ASGAverageCPUUtilization, ...) are AWS's own; nothing to emit.
    for (const spec of pol.predictive_scaling_configuration?.metric_specification ?? []) {
      for (const k of ['customized_load_metric_specification', 'customized_scaling_metric_specification', 'customized_capacity_metric_specification']) {
        for (const q of spec[k]?.metric_data_queries ?? []) {
          const stat = q.metric_stat?.metric;
          if (stat) c.add({ namespace: String(stat.namespace), name: String(stat.metric_name), dimensions: dimsFromList(stat.dimensions) }, reader);
          if (q.expression) c.expression(String(q.expression), reader);
        }
      }
    }
  }
  for (const [n, d] of each(json, 'aws_cloudwatch_dashboard')) {
    let body: Json;
    try { body = typeof d.dashboard_body === 'string' ? JSON.parse(d.dashboard_body) : d.dashboard_body; } catch {
      c.unresolved.push({ reader: `aws_cloudwatch_dashboard.${n}`, expression: String(d.dashboard_body).slice(0, 80), why: 'dashboard_body is not JSON (a Terraform expression?)' });
      continue;
    }
    for (const w of body?.widgets ?? []) widgetMetrics(c, w, `aws_cloudwatch_dashboard.${n} "${w?.properties?.title ?? w.type}"`);
  }
  return c.result();
}

/** One PutMetricData request as recorded by the twin (services/metrics/cloudwatch-record.ts). */
export interface RecordedRequest {
  Namespace: string;
  MetricData: Array<{ MetricName?: string; Dimensions?: Array<{ Name?: string; Value?: string }>; Value?: number }>;
}

export function emittedMetrics(requests: readonly RecordedRequest[]): MetricRef[] {
  const byKey = new Map<string, MetricRef>();
  for (const r of requests) {
    for (const d of r.MetricData ?? []) {
      const m: MetricRef = { namespace: r.Namespace, name: String(d.MetricName), dimensions: Object.fromEntries((d.Dimensions ?? []).map((x) => [String(x.Name), String(x.Value)])) };
      byKey.set(metricKey(m), m);
    }
  }
  return [...byKey.values()].sort((a, b) => metricKey(a).localeCompare(metricKey(b)));
}

export interface MetricContract {
  /** Our namespace's references, as keys. */
  referenced: string[];
  /** AWS/* (and other foreign namespaces') references: AWS publishes them, the twin cannot. */
  providedByAws: string[];
  emitted: string[];
  /** Referenced in our namespace, never emitted: each with who reads it. */
  missing: Array<{ metric: string; readers: string[]; allowed: boolean }>;
  unresolved: UnresolvedExpression[];
}

/**
 * `allowMissing` names metrics (by name, or full key) that may be missing without failing the
 * contract; they are still listed, with `allowed: true`.
 */
export function checkMetricContract(refs: References, emitted: readonly MetricRef[], namespace: string, allowMissing: readonly string[] = []): MetricContract {
  const emittedKeys = new Set(emitted.map(metricKey));
  // A SEARCH reference (no dimensions) is met by any emitted series of that name.
  const emittedNames = new Set(emitted.map((m) => `${m.namespace}/${m.name}`));
  const ours = refs.metrics.filter((m) => m.namespace === namespace);
  const missing = ours
    .filter((m) => !(emittedKeys.has(metricKey(m)) || (Object.keys(m.dimensions).length === 0 && m.readers.every((r) => r.endsWith('(SEARCH)')) && emittedNames.has(`${m.namespace}/${m.name}`))))
    .map((m) => ({ metric: metricKey(m), readers: m.readers, allowed: allowMissing.includes(m.name) || allowMissing.includes(metricKey(m)) }));
  const unresolvedDims = ours.filter((m) => Object.values(m.dimensions).some(isExpr));
  return {
    referenced: ours.map(metricKey),
    providedByAws: refs.metrics.filter((m) => m.namespace !== namespace).map(metricKey),
    emitted: [...emittedKeys].sort(),
    missing,
    unresolved: [...refs.unresolved, ...unresolvedDims.map((m) => ({ reader: m.readers.join(', '), expression: metricKey(m), why: 'dimension value is a Terraform expression' }))],
  };
}
