/**
 * Typed CloudWatch dashboard structures (per AWS's "Dashboard Body Structure and Syntax") and the
 * panel model the DSM dashboards are written in. A panel names its lines by catalog key (DSM
 * metrics) or by AWS namespace; `render.ts` turns panels into widget JSON, and the local live
 * dashboard draws the same panels from the agent's history.
 */
import type { Hop, MetricKey } from '../config/metrics.js';
import type { Dimensions } from '../services/metrics/points.js';

// ---- CloudWatch dashboard body (the JSON AWS stores) ----

export type Stat = 'Average' | 'Sum' | 'Minimum' | 'Maximum' | 'SampleCount' | `p${number}`;
export type View = 'timeSeries' | 'singleValue' | 'gauge' | 'bar' | 'pie' | 'table';

export interface MetricRenderingOptions {
  id?: string;
  label?: string;
  color?: string;
  stat?: Stat;
  period?: number;
  visible?: boolean;
  yAxis?: 'left' | 'right';
}

export interface ExpressionLine extends MetricRenderingOptions {
  expression: string;
}

/** `[namespace, name, dimName, dimValue, ..., options?]` or `[{ expression, ... }]`. */
export type MetricArray = Array<string | MetricRenderingOptions> | [ExpressionLine];

export interface HorizontalAnnotation {
  label?: string;
  value: number;
  color?: string;
}

export interface MetricWidgetProperties {
  title: string;
  region: string;
  view: View;
  stat: Stat;
  period: number;
  metrics: MetricArray[];
  stacked?: boolean;
  yAxis?: { left?: { min?: number; max?: number; label?: string; showUnits?: boolean } };
  annotations?: { horizontal?: HorizontalAnnotation[] };
  liveData?: boolean;
}

interface WidgetBase {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface MetricWidget extends WidgetBase {
  type: 'metric';
  properties: MetricWidgetProperties;
}

export interface TextWidget extends WidgetBase {
  type: 'text';
  properties: { markdown: string; background?: 'solid' | 'transparent' };
}

export type Widget = MetricWidget | TextWidget;

export interface DashboardBody {
  start?: string;
  periodOverride?: 'auto' | 'inherit';
  widgets: Widget[];
}

// ---- DSM panel model ----

/** A DSM metric from the catalog: the only kind the agent emits. */
export interface DsmLine {
  kind: 'dsm';
  metric: MetricKey;
  dimensions: Dimensions;
  label: string;
  stat?: Stat;
}

/** An AWS service metric (namespace AWS/*): the dashboards may show these, the agent never emits them. */
export interface AwsLine {
  kind: 'aws';
  namespace: `AWS/${string}`;
  name: string;
  dimensions: Record<string, string>;
  label: string;
  stat?: Stat;
}

/** A metric-math or SEARCH expression, for AWS metrics whose dimensions are not known at render time. */
export interface ExprLine {
  kind: 'expression';
  expression: string;
  label: string;
  id: string;
}

export type PanelLine = DsmLine | AwsLine | ExprLine;

export interface Panel {
  kind: 'panel';
  title: string;
  /** Unit shown on the local page's axis, e.g. "µs" or "msg/s". */
  unit: string;
  lines: PanelLine[];
  stat: Stat;
  width: number;
  height: number;
  view?: View;
  stacked?: boolean;
  /** Threshold lines (SLO, expected route count). */
  thresholds?: HorizontalAnnotation[];
  yMin?: number;
}

export interface Note {
  kind: 'note';
  markdown: string;
  width: number;
  height: number;
}

export type Tile = Panel | Note;

export interface DashboardDef {
  name: string;
  title: string;
  tiles: Tile[];
}

export const HOP_LABELS: Record<Hop, string> = {
  ingest_to_publish: 'ingest → publish',
  publish_to_subscriber: 'publish → subscriber',
  end_to_end: 'end to end',
};
