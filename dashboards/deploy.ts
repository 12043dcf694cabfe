/**
 * Moving rendered dashboards in and out of CloudWatch: export to files, import with PutDashboard
 * (or print the calls on a dry run), and diff what is deployed (GetDashboard) against the code.
 * Output goes through a `write` callback so the CLI and tests see exactly the same lines.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CloudWatchClient, GetDashboardCommand, PutDashboardCommand, type DashboardValidationMessage } from '@aws-sdk/client-cloudwatch';
import { describeAwsError } from '../services/metrics/cloudwatch.js';

export interface RenderedDashboard {
  name: string;
  body: object;
}

export type Write = (line: string) => void;

export class DashboardAwsError extends Error {
  constructor(readonly operation: string, readonly dashboard: string, cause: unknown) {
    super(`${operation} ${dashboard} failed: ${describeAwsError(cause)}`);
    this.name = 'DashboardAwsError';
  }
}

export async function exportDashboards(dashboards: readonly RenderedDashboard[], dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files: string[] = [];
  for (const d of dashboards) {
    const file = join(dir, `${d.name}.json`);
    await writeFile(file, `${JSON.stringify(d.body, null, 2)}\n`);
    files.push(file);
  }
  return files;
}

export interface ImportResult {
  name: string;
  validationMessages: DashboardValidationMessage[];
}

function formatValidation(m: DashboardValidationMessage): string {
  return `${m.DataPath ?? '(body)'}: ${m.Message ?? 'no message'}`;
}

/** PutDashboard for each; AWS's validation messages are reported per dashboard. */
export async function importDashboards(client: CloudWatchClient, dashboards: readonly RenderedDashboard[], opts: { dryRun: boolean; write: Write }): Promise<ImportResult[]> {
  const results: ImportResult[] = [];
  for (const d of dashboards) {
    const input = { DashboardName: d.name, DashboardBody: JSON.stringify(d.body) };
    if (opts.dryRun) {
      opts.write(`would call PutDashboard DashboardName=${d.name} DashboardBody=<${input.DashboardBody.length} bytes, ${(d.body as { widgets?: unknown[] }).widgets?.length ?? 0} widgets>`);
      results.push({ name: d.name, validationMessages: [] });
      continue;
    }
    let out;
    try {
      out = await client.send(new PutDashboardCommand(input));
    } catch (err) {
      throw new DashboardAwsError('PutDashboard', d.name, err);
    }
    const messages = out.DashboardValidationMessages ?? [];
    opts.write(`PutDashboard ${d.name}: ${messages.length === 0 ? 'ok' : `ok with ${messages.length} validation message(s)`}`);
    for (const m of messages) opts.write(`  ${d.name} ${formatValidation(m)}`);
    results.push({ name: d.name, validationMessages: messages });
  }
  return results;
}

/** Key-sorted JSON, so property order never counts as a difference. */
function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])]));
  return v;
}

function show(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? 'absent' : s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/** Paths where two JSON values differ, `widgets[2].properties.title: deployed "a", code "b"`. */
export function jsonDifferences(deployed: unknown, code: unknown, path = ''): string[] {
  if (JSON.stringify(canonical(deployed)) === JSON.stringify(canonical(code))) return [];
  const bothArrays = Array.isArray(deployed) && Array.isArray(code);
  const bothObjects = !bothArrays && deployed !== null && code !== null && typeof deployed === 'object' && typeof code === 'object' && !Array.isArray(deployed) && !Array.isArray(code);
  if (bothArrays) {
    const a = deployed as unknown[];
    const b = code as unknown[];
    const out: string[] = [];
    for (let i = 0; i < Math.max(a.length, b.length); i++) out.push(...jsonDifferences(a[i], b[i], `${path}[${i}]`));
    return out;
  }
  if (bothObjects) {
    const a = deployed as Record<string, unknown>;
    const b = code as Record<string, unknown>;
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => jsonDifferences(a[k], b[k], path ? `${path}.${k}` : k));
  }
  return [`${path || '(root)'}: deployed ${show(deployed)}, code ${show(code)}`];
}

export interface DiffResult {
  name: string;
  status: 'same' | 'different' | 'missing';
  differences: string[];
}

export async function diffDashboards(client: CloudWatchClient, dashboards: readonly RenderedDashboard[], write: Write): Promise<DiffResult[]> {
  const results: DiffResult[] = [];
  for (const d of dashboards) {
    let deployedBody: unknown;
    try {
      const out = await client.send(new GetDashboardCommand({ DashboardName: d.name }));
      deployedBody = JSON.parse(out.DashboardBody ?? '{}');
    } catch (err) {
      const name = (err as { name?: string }).name;
      if (name === 'ResourceNotFound' || name === 'ResourceNotFoundException' || name === 'DashboardNotFoundError') {
        write(`${d.name}: not deployed`);
        results.push({ name: d.name, status: 'missing', differences: [] });
        continue;
      }
      throw new DashboardAwsError('GetDashboard', d.name, err);
    }
    const differences = jsonDifferences(deployedBody, d.body);
    write(`${d.name}: ${differences.length === 0 ? 'same as code' : `${differences.length} difference(s)`}`);
    for (const line of differences) write(`  ${line}`);
    results.push({ name: d.name, status: differences.length ? 'different' : 'same', differences });
  }
  return results;
}
