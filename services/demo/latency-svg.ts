/**
 * The demo report's latency picture: one row per hop with its p50, p99, p99.9 and max on a
 * logarithmic microsecond axis (so p50 stays visible beside a p99 a hundred times larger), and
 * the configured threshold as a dashed line. Plain SVG text: no browser or canvas needed.
 */
import type { HopSummary } from '../metrics/latency.js';

export interface LatencyPictureInput {
  hops: Array<{ name: string; summary?: HopSummary }>;
  /** Thresholds to draw, e.g. the end-to-end p99 limit. */
  thresholds: Array<{ label: string; micros: number }>;
}

/** Each mark's label has its own line (dy) so neighbouring percentiles never print over each other. */
const MARKS: Array<{ key: keyof HopSummary; label: string; color: string; dy: number }> = [
  { key: 'p50', label: 'p50', color: '#2ca02c', dy: -11 },
  { key: 'p99', label: 'p99', color: '#ff7f0e', dy: 20 },
  { key: 'p999', label: 'p99.9', color: '#d62728', dy: -23 },
  { key: 'max', label: 'max', color: '#7f7f7f', dy: 32 },
];

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function fmtMicros(us: number): string {
  if (us >= 1_000_000) return `${(us / 1_000_000).toFixed(us >= 10_000_000 ? 0 : 1)} s`;
  if (us >= 1000) return `${(us / 1000).toFixed(us >= 10_000 ? 0 : 1)} ms`;
  return `${Math.round(us)} µs`;
}

export function latencySvg(input: LatencyPictureInput): string {
  const values = [...input.hops.flatMap((h) => (h.summary ? MARKS.map((m) => h.summary![m.key]) : [])), ...input.thresholds.map((t) => t.micros)].filter((v) => v > 0);
  const lo = Math.pow(10, Math.floor(Math.log10(Math.min(...values, 10))));
  const hi = Math.pow(10, Math.ceil(Math.log10(Math.max(...values, 100))));
  const left = 170, right = 40, top = 64, rowH = 72, width = 780;
  const plotW = width - left - right;
  const height = top + rowH * input.hops.length + 60;
  const x = (us: number) => left + (Math.log10(Math.max(us, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo)) * plotW;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${width}" height="${height}" fill="#fff"/>`);
  out.push(`<text x="${left}" y="18" font-size="14" font-weight="bold">Latency per hop (µs, log scale)</text>`);
  // Decade grid and labels.
  for (let d = lo; d <= hi; d *= 10) {
    out.push(`<line x1="${x(d).toFixed(1)}" y1="${top - 30}" x2="${x(d).toFixed(1)}" y2="${top + rowH * input.hops.length}" stroke="#ddd"/>`);
    out.push(`<text x="${x(d).toFixed(1)}" y="${top + rowH * input.hops.length + 16}" text-anchor="middle" fill="#555">${esc(fmtMicros(d))}</text>`);
  }
  input.hops.forEach((h, i) => {
    const cy = top + rowH * i + rowH / 2;
    out.push(`<text x="${left - 10}" y="${cy + 4}" text-anchor="end">${esc(h.name)}</text>`);
    if (!h.summary || h.summary.count === 0) { out.push(`<text x="${left + 6}" y="${cy + 4}" fill="#999">no samples</text>`); return; }
    const s = h.summary;
    out.push(`<line x1="${x(s.p50).toFixed(1)}" y1="${cy}" x2="${x(s.max).toFixed(1)}" y2="${cy}" stroke="#bbb" stroke-width="6" stroke-linecap="round"/>`);
    MARKS.forEach((m) => {
      const cx = x(s[m.key]);
      out.push(`<circle cx="${cx.toFixed(1)}" cy="${cy}" r="6" fill="${m.color}"><title>${esc(`${h.name} ${m.label}: ${s[m.key]} µs`)}</title></circle>`);
      out.push(`<text x="${cx.toFixed(1)}" y="${cy + m.dy}" text-anchor="middle" font-size="10" fill="${m.color}">${esc(`${m.label} ${fmtMicros(s[m.key])}`)}</text>`);
    });
  });
  for (const t of input.thresholds) {
    const tx = x(t.micros).toFixed(1);
    out.push(`<line x1="${tx}" y1="${top - 30}" x2="${tx}" y2="${top + rowH * input.hops.length}" stroke="#d62728" stroke-dasharray="6 4"/>`);
    out.push(`<text x="${tx}" y="${top - 34}" text-anchor="middle" fill="#d62728" font-size="11">${esc(`${t.label} ${fmtMicros(t.micros)}`)}</text>`);
  }
  const ly = height - 16;
  MARKS.forEach((m, k) => {
    out.push(`<circle cx="${left + k * 90}" cy="${ly - 4}" r="5" fill="${m.color}"/><text x="${left + k * 90 + 10}" y="${ly}">${m.label}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
