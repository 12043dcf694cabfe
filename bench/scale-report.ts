/**
 * What `dsm bench scale` writes: a Markdown table, an SVG picture of the curves (drawn here, no
 * external service or plotting dependency), and the generated section of bench/RESULTS.md
 * (between two marker comments, replaced on every full run; the prose around it is kept).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { label, type PointResult, type ScaleBenchResult } from './scale.js';

export const RESULTS_BEGIN = '<!-- dsm bench scale: generated section begin -->';
export const RESULTS_END = '<!-- dsm bench scale: generated section end -->';

const n = (x: number) => x.toLocaleString('en-US');
const kb = (x: number | null) => (x === null ? '–' : `${n(Math.round(x / 1024))} KiB`);

export function scaleTable(r: ScaleBenchResult): string {
  const head = '| sweep | point | raw msgs/s | DSM msgs/s | ratio | raw p50 / p99 / p99.9 µs | DSM e2e p50 / p99 / p99.9 µs | Δp50 / Δp99 µs | DSM ingest→publish p50 / p99 µs | msgs/update | memory per 1k symbols: ingest / subscriber | GCs per 1M msgs: raw pub / DSM ingest / raw sub / DSM sub | books |';
  const sep = `|${'---|'.repeat(13)}`;
  const rows = r.points.map((p) => [
    p.sweep, label(p), n(p.raw_msgs_per_s), n(p.dsm_msgs_per_s), `${p.throughput_ratio}x`,
    `${n(p.raw_latency_us.p50)} / ${n(p.raw_latency_us.p99)} / ${n(p.raw_latency_us.p999)}`,
    `${n(p.dsm_e2e_latency_us.p50)} / ${n(p.dsm_e2e_latency_us.p99)} / ${n(p.dsm_e2e_latency_us.p999)}`,
    `${signed(p.p50_delta_us)} / ${signed(p.p99_delta_us)}`,
    `${p.dsm_ingest_to_publish_us.p50} / ${p.dsm_ingest_to_publish_us.p99}`,
    String(p.dsm_messages_per_update),
    `${kb(p.memory.ingest_bytes_per_1k_symbols)} / ${kb(p.memory.subscriber_bytes_per_1k_symbols)}`,
    `${p.gc_per_million.raw_publisher} / ${p.gc_per_million.dsm_ingest} / ${p.gc_per_million.raw_subscriber} / ${p.gc_per_million.dsm_subscriber}`,
    p.books_equal && p.delivered ? 'equal' : p.delivered ? 'DIFFER' : 'INCOMPLETE',
  ].join(' | '));
  const rounds = r.points.filter((p) => (p.latency_rounds_p99_us?.raw.length ?? 0) > 1).map((p) =>
    `${label(p)}: raw ${p.latency_rounds_p99_us.raw.map(n).join(', ')}; DSM ${p.latency_rounds_p99_us.dsm.map(n).join(', ')}`);
  const roundsNote = rounds.length === 0 ? [] : ['', 'End-to-end p99 of every latency round, µs, in run order (raw and DSM alternate; each path reports its median round):', '', ...rounds.map((x) => `- ${x}`)];
  return [head, sep, ...rows.map((x) => `| ${x} |`), ...roundsNote].join('\n');
}

const signed = (x: number) => (x >= 0 ? `+${n(x)}` : n(x));

export function allocSection(r: ScaleBenchResult): string {
  return [
    'Hot-path allocation without NATS (steady state, every book exists; `bench/alloc.ts`):',
    '',
    '| path | symbols | updates | ns per update (median chunk) | bytes allocated per update | GCs per million updates |',
    '|---|---|---|---|---|---|',
    ...r.hot_path_alloc.map((a) => `| ${a.path} | ${n(a.symbols)} | ${n(a.updates)} | ${a.ns_per_update} | ${a.bytes_per_update ?? 'n/a (a GC in every chunk)'} | ${a.gcs_per_million} |`),
    '',
    'A book\'s first message (set-up): what it leaves on the heap for every later young-generation collection to copy, and off the heap (level arenas, name slabs):',
    '',
    '| path | new books | heap bytes per book | array-buffer bytes per book |',
    '|---|---|---|---|',
    ...(r.setup_heap ?? []).map((a) => `| ${a.path} | ${n(a.books)} | ${n(a.heap_bytes_per_book)} | ${n(a.array_buffer_bytes_per_book)} |`),
  ].join('\n');
}

export function profileSection(r: ScaleBenchResult): string {
  const out: string[] = [];
  for (const p of r.points.filter((x) => x.profile_frames)) {
    for (const who of ['ingest', 'subscriber'] as const) {
      const frames = p.profile_frames![who];
      out.push(`Top self-time frames, DSM ${who}, ${label(p)} (an extra, uncounted throughput run):`, '', '| self % | function | where |', '|---|---|---|');
      for (const f of frames) out.push(`| ${f.selfPct} | \`${f.fn}\` | ${f.where || '(native)'} |`);
      out.push('');
    }
  }
  return out.join('\n');
}

export function formatScaleBench(r: ScaleBenchResult): string {
  const t = r.targets;
  const fmt = (x: boolean | null) => (x === null ? 'not measured' : x ? 'met' : 'missed');
  return [
    `scale benchmark, ${r.date}: ${r.machine.cpus} × ${r.machine.cpu_model}, node ${r.machine.node}, load average ${r.machine.load_avg.join(' / ')}; latency at ${n(r.offered_rate)} msgs/s offered; ${r.seconds} s`,
    '',
    scaleTable(r),
    '',
    allocSection(r),
    '',
    `targets (>= ${t.throughput_ratio_min}x raw and e2e p99 within ${t.p99_within_us} µs of raw; at 50 symbols also p50 within ${t.p50_within_us} µs): 50 symbols ${fmt(t.at_50_symbols)}, 10,000 symbols ${fmt(t.at_10000_symbols)}`,
  ].join('\n');
}

/** The generated section of RESULTS.md for one run. */
export function resultsSection(r: ScaleBenchResult, svgName: string): string {
  const m = r.machine;
  return [
    RESULTS_BEGIN,
    `Last full run: ${r.date}, \`${m.hostname}\`, ${m.cpus} × ${m.cpu_model}, Node ${m.node}, load average ${m.load_avg.join(' / ')} at the end, ${r.seconds} s for every point (\`dsm bench scale --json\`).`,
    '',
    `![DSM against raw nats.js by symbols, fan-out and workers](${svgName})`,
    '',
    scaleTable(r),
    '',
    formatScaleBench(r).split('\n').at(-1)!,
    '',
    allocSection(r),
    '',
    ...(r.failed.length ? ['Points that failed in this run:', '', ...r.failed.map((f) => `- ${f.point}: ${f.error}`), ''] : []),
    profileSection(r),
    RESULTS_END,
  ].join('\n');
}

/** Replace the generated section of `file` (or append one, under a heading, if it has none). */
export async function updateResults(file: string, r: ScaleBenchResult, svgName: string): Promise<void> {
  let text = '';
  try { text = await readFile(file, 'utf8'); } catch { /* a new file */ }
  const section = resultsSection(r, svgName);
  const a = text.indexOf(RESULTS_BEGIN);
  const b = text.indexOf(RESULTS_END);
  if (a >= 0 && b > a) text = text.slice(0, a) + section + text.slice(b + RESULTS_END.length);
  else text = `${text.trimEnd()}\n\n## Scale (\`dsm bench scale\`)\n\n${section}\n`;
  await writeFile(file, text);
}

// ---------------------------------------------------------------- SVG

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

interface Series { name: string; color: string; dash?: string; points: Array<[number, number]> }

function lineChart(x0: number, title: string, xs: number[], series: Series[], yLabel: (v: number) => string): string {
  const W = 300; const H = 230; const L = 58; const T = 34; const PW = W - L - 14; const PH = H - T - 44;
  const lx = (v: number) => Math.log10(v);
  const xmin = lx(Math.min(...xs)); const xmax = lx(Math.max(...xs));
  const ymax = Math.max(1, ...series.flatMap((s) => s.points.map((p) => p[1]))) * 1.1;
  const X = (v: number) => x0 + L + (xmax === xmin ? PW / 2 : ((lx(v) - xmin) / (xmax - xmin)) * PW);
  const Y = (v: number) => T + PH - (v / ymax) * PH;
  const out: string[] = [`<text x="${x0 + W / 2}" y="18" text-anchor="middle" font-weight="bold">${esc(title)}</text>`];
  out.push(`<line x1="${x0 + L}" y1="${T + PH}" x2="${x0 + L + PW}" y2="${T + PH}" stroke="#333"/><line x1="${x0 + L}" y1="${T}" x2="${x0 + L}" y2="${T + PH}" stroke="#333"/>`);
  for (let k = 0; k <= 4; k++) {
    const v = (ymax / 4) * k;
    out.push(`<line x1="${x0 + L}" y1="${Y(v)}" x2="${x0 + L + PW}" y2="${Y(v)}" stroke="#eee"/><text x="${x0 + L - 4}" y="${Y(v) + 4}" text-anchor="end" font-size="10">${esc(yLabel(v))}</text>`);
  }
  for (const v of xs) out.push(`<text x="${X(v)}" y="${T + PH + 14}" text-anchor="middle" font-size="10">${n(v)}</text>`);
  out.push(`<text x="${x0 + L + PW / 2}" y="${T + PH + 28}" text-anchor="middle" font-size="10">symbols (log scale)</text>`);
  series.forEach((s, i) => {
    const pts = s.points.map(([x, y]) => `${X(x).toFixed(1)},${Y(y).toFixed(1)}`).join(' ');
    out.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2" ${s.dash ? `stroke-dasharray="${s.dash}"` : ''} points="${pts}"/>`);
    for (const [x, y] of s.points) out.push(`<circle cx="${X(x).toFixed(1)}" cy="${Y(y).toFixed(1)}" r="2.5" fill="${s.color}"/>`);
    const ly = H + 8 + Math.floor(i / 2) * 13;
    const lx0 = x0 + L + (i % 2) * 110;
    out.push(`<line x1="${lx0}" y1="${ly - 4}" x2="${lx0 + 16}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2" ${s.dash ? `stroke-dasharray="${s.dash}"` : ''}/><text x="${lx0 + 20}" y="${ly}" font-size="10">${esc(s.name)}</text>`);
  });
  return out.join('\n');
}

function ratioBars(x0: number, points: PointResult[]): string {
  const W = 420; const T = 34; const L = 170; const rowH = 15; const PW = W - L - 40;
  const max = Math.max(1.2, ...points.map((p) => p.throughput_ratio)) * 1.05;
  const X = (v: number) => x0 + L + (v / max) * PW;
  const out: string[] = [`<text x="${x0 + W / 2}" y="18" text-anchor="middle" font-weight="bold">DSM / raw throughput, every point</text>`];
  points.forEach((p, i) => {
    const y = T + i * rowH;
    const color = p.throughput_ratio >= 0.8 ? '#2a7' : '#d73';
    const name = `${p.symbols} sym, ${p.fanout}×${p.subjects === 'exact' ? 'exact' : 'wild'}, ${p.workers === 0 ? 'inline' : `${p.workers}w`}${p.coalesce ? ', coalesce' : ''}`;
    out.push(`<text x="${x0 + L - 4}" y="${y + 10}" text-anchor="end" font-size="10">${esc(name)}</text><rect x="${x0 + L}" y="${y + 2}" width="${Math.max(0, X(p.throughput_ratio) - x0 - L).toFixed(1)}" height="${rowH - 4}" fill="${color}"/><text x="${X(p.throughput_ratio) + 3}" y="${y + 10}" font-size="10">${p.throughput_ratio}</text>`);
  });
  const h = T + points.length * rowH;
  out.push(`<line x1="${X(0.8)}" y1="${T}" x2="${X(0.8)}" y2="${h}" stroke="#333" stroke-dasharray="4 3"/><text x="${X(0.8)}" y="${h + 12}" text-anchor="middle" font-size="10">target 0.8×</text>`);
  out.push(`<line x1="${X(1)}" y1="${T}" x2="${X(1)}" y2="${h}" stroke="#999"/>`);
  return out.join('\n');
}

export function scaleSvg(r: ScaleBenchResult): string {
  const sweep = r.points.filter((p) => p.sweep === 'symbols').sort((a, b) => a.symbols - b.symbols);
  const xs = sweep.map((p) => p.symbols);
  const height = Math.max(270, 60 + r.points.length * 15);
  const parts: string[] = [];
  if (sweep.length > 0) {
    parts.push(lineChart(0, 'Throughput (1 subscriber, inline)', xs, [
      { name: 'raw nats.js', color: '#888', points: sweep.map((p) => [p.symbols, p.raw_msgs_per_s]) },
      { name: 'DSM', color: '#1f5fbf', points: sweep.map((p) => [p.symbols, p.dsm_msgs_per_s]) },
    ], (v) => `${Math.round(v / 1000)}k/s`));
    parts.push(lineChart(300, `End to end at ${n(r.offered_rate)}/s`, xs, [
      { name: 'raw p99', color: '#888', points: sweep.map((p) => [p.symbols, p.raw_latency_us.p99]) },
      { name: 'DSM p99', color: '#1f5fbf', points: sweep.map((p) => [p.symbols, p.dsm_e2e_latency_us.p99]) },
      { name: 'raw p50', color: '#888', dash: '4 3', points: sweep.map((p) => [p.symbols, p.raw_latency_us.p50]) },
      { name: 'DSM p50', color: '#1f5fbf', dash: '4 3', points: sweep.map((p) => [p.symbols, p.dsm_e2e_latency_us.p50]) },
    ], (v) => `${n(Math.round(v))} µs`));
  }
  parts.push(ratioBars(600, r.points));
  const foot = `${r.date.slice(0, 16).replace('T', ' ')} UTC, ${r.machine.cpus} × ${r.machine.cpu_model}, Node ${r.machine.node}, load ${r.machine.load_avg.join('/')}`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="1030" height="${height + 20}" viewBox="0 0 1030 ${height + 20}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    ...parts,
    `<text x="4" y="${height + 14}" font-size="10" fill="#555">${esc(`dsm bench scale: ${foot}`)}</text>`,
    '</svg>',
    '',
  ].join('\n');
}
