/** Drill reports: a timeline in Markdown for people, the same facts in JSON for machines. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { DrillReport } from './engine.js';

const v = (x: unknown): string => (x === null || x === undefined ? 'n/a' : String(x));

export function renderMarkdown(r: DrillReport): string {
  const out: string[] = [];
  out.push(`# Drill: ${r.title} (${r.drill}) on ${r.target}${r.dry_run ? ' — dry run' : ''}`, '');
  out.push(`**Result: ${r.ok ? 'OK' : 'NOT OK'}**${r.refused ? ` — refused: ${r.refused}` : ''}`, '');
  out.push(`Started ${r.started_at}, took ${(r.duration_ms / 1000).toFixed(1)} s.${r.load ? ` Load: ${r.load}.` : ''}`, '');
  if (!r.dry_run && !r.refused) {
    out.push('| measure | value |', '|---|---|');
    const rows: Array<[string, unknown]> = [
      ['published', r.published], ['received (all subscribers)', r.received], ['gaps', r.gaps], ['resyncs', r.resyncs],
      ['duplicates dropped', r.duplicates_dropped], ['time to detect (ms)', r.detect_ms],
      [`time to recover (ms from the ${r.recovery_from ?? 'fault'}, ±${v(r.recovery_resolution_ms)} ms)`, r.recovery_ms], ['books consistent', r.books_consistent], ['rollback ok', r.rollback_ok],
    ];
    for (const [k, x] of rows) out.push(`| ${k} | ${v(x)} |`);
    out.push('');
    if (r.subscribers.length) {
      out.push('| subscriber | received | gaps | resyncs | duplicates dropped | disconnects | recovery (ms) |', '|---|---|---|---|---|---|---|');
      for (const s of r.subscribers) out.push(`| ${s.name} | ${s.received} | ${s.gaps} | ${s.resyncs} | ${s.duplicates_dropped} | ${s.disconnects} | ${v(s.recovery_ms)} |`);
      out.push('');
    }
  }
  if (r.failures.length) { out.push('## Failures', '', ...r.failures.map((f) => `- ${f}`), ''); }
  out.push('## Timeline', '', '| t (ms) | phase | step | what | ok | detail |', '|---:|---|---|---|---|---|');
  for (const e of r.timeline) out.push(`| ${e.t_ms.toFixed(1)} | ${e.phase} | ${e.step ?? ''} | ${e.what} | ${e.ok ? 'yes' : '**no**'} | ${(e.detail ?? '').replace(/\|/g, '\\|')} |`);
  if (r.plan.length) out.push('', '## Calls (dry run)', '', ...r.plan.map((p) => `- \`${p}\``));
  return `${out.join('\n')}\n`;
}

/** The one-object summary `--json` prints (the full report is in the JSON file). */
export function summary(r: DrillReport, files?: { json: string; markdown: string }) {
  return {
    drill: r.drill, target: r.target, ok: r.ok, dry_run: r.dry_run, refused: r.refused,
    published: r.published, received: r.received, gaps: r.gaps, resyncs: r.resyncs, duplicates_dropped: r.duplicates_dropped,
    detect_ms: r.detect_ms, recovery_ms: r.recovery_ms, recovery_from: r.recovery_from, books_consistent: r.books_consistent, rollback_ok: r.rollback_ok,
    failures: r.failures, ...(r.dry_run ? { calls: r.plan } : {}), ...(files ? { report: files } : {}),
  };
}

export async function writeReport(r: DrillReport, dir: string): Promise<{ json: string; markdown: string }> {
  await mkdir(dir, { recursive: true });
  const stamp = r.started_at.replace(/[:.]/g, '-');
  const base = path.join(dir, `${r.drill}-${r.target}-${stamp}`);
  const files = { json: `${base}.json`, markdown: `${base}.md` };
  await writeFile(files.json, `${JSON.stringify(r, null, 2)}\n`);
  await writeFile(files.markdown, renderMarkdown(r));
  return files;
}
