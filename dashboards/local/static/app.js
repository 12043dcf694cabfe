// Draws the DSM dashboards' panels with uPlot from the local agent's history, polling once a tick.
// window.__dsmSeries maps each panel id to the number of data points it currently shows, so a test
// (or a curious human) can see the charts have data without reading pixels.
'use strict';

const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2'];
const charts = new Map();
const history = {};
let since = 0;
window.__dsmSeries = {};

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  Object.assign(e, attrs);
  for (const c of children) e.append(c);
  return e;
}

function thresholdsPlugin(thresholds) {
  return {
    hooks: {
      draw: [(u) => {
        const ctx = u.ctx;
        for (const t of thresholds) {
          const y = u.valToPos(t.value, 'y', true);
          if (!Number.isFinite(y)) continue;
          ctx.save();
          ctx.strokeStyle = t.color || '#999';
          ctx.setLineDash([6, 4]);
          ctx.beginPath();
          ctx.moveTo(u.bbox.left, y);
          ctx.lineTo(u.bbox.left + u.bbox.width, y);
          ctx.stroke();
          ctx.restore();
        }
      }],
    },
  };
}

// Latency spans decades (p50 in tens of µs beside a p99 in ms): a linear axis flattens p50 to
// the floor, so latency panels use a log axis. Other panels stay linear from zero.
const isLatency = (panel) => panel.unit === 'µs';

function timeLabel(secs) {
  const d = new Date(secs * 1000);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

function fmtMicros(v) {
  if (v == null) return '';
  if (v >= 1e6) return `${+(v / 1e6).toPrecision(3)} s`;
  if (v >= 1e3) return `${+(v / 1e3).toPrecision(3)} ms`;
  return `${+v.toPrecision(3)} µs`;
}

function makeChart(panel, container) {
  const width = Math.max(380, container.clientWidth - 12);
  const log = isLatency(panel);
  const yScale = log
    // Whole decades, so the ticks read 10 µs, 100 µs, 1 ms, ... and the threshold stays in view.
    ? { distr: 3, log: 10, range: (u, min, max) => [
      Math.pow(10, Math.floor(Math.log10(Math.max(1, Math.min(min || 10, ...panel.thresholds.map((t) => t.value)))))),
      Math.pow(10, Math.ceil(Math.log10(Math.max(max || 100, 10, ...panel.thresholds.map((t) => t.value))))),
    ] }
    : { range: (u, min, max) => [0, Math.max((max || 0) * 1.1, ...panel.thresholds.map((t) => t.value * 1.1), 1)] };
  const opts = {
    width,
    height: 190,
    legend: { show: true },
    scales: { x: { time: true }, y: yScale },
    // HH:MM:SS labels at least 90 px apart: uPlot's default multi-line time labels overlapped at this width.
    axes: [
      { space: 90, values: (u, splits) => splits.map(timeLabel) },
      { label: log ? `${panel.unit} (log)` : panel.unit, size: 64, ...(log ? { values: (u, splits) => splits.map(fmtMicros) } : {}) },
    ],
    series: [{}, ...panel.lines.map((l, i) => ({ label: l.label, stroke: COLORS[i % COLORS.length], width: 1.5, spanGaps: true }))],
    plugins: [thresholdsPlugin(panel.thresholds)],
  };
  return new uPlot(opts, [[], ...panel.lines.map(() => [])], container);
}

function render(meta) {
  document.getElementById('title').textContent = `DSM ${meta.env} — ${meta.cluster}`;
  const root = document.getElementById('dashboards');
  for (const d of meta.dashboards) {
    const grid = el('div', { className: 'grid' });
    root.append(el('section', {}, el('h2', { textContent: d.title }), grid));
    for (const p of d.panels) {
      const body = el('div', { className: 'chart' });
      const box = el('div', { className: 'panel', id: p.id }, el('h3', { textContent: `${p.title} (${p.unit})` }), body);
      grid.append(box);
      if (p.awsOnly) {
        body.append(el('div', { className: 'note', textContent: 'CloudWatch only: AWS/EC2 and AWS/AutoScaling have no local source.' }));
        continue;
      }
      charts.set(p.id, { panel: p, plot: makeChart(p, box) });
      window.__dsmSeries[p.id] = 0;
    }
  }
}

function toData(panel) {
  const xs = new Set();
  for (const l of panel.lines) for (const [t] of history[l.key] || []) xs.add(t);
  const sorted = [...xs].sort((a, b) => a - b);
  const cols = panel.lines.map((l) => {
    const byT = new Map(history[l.key] || []);
    // A log axis has no zero: an empty interval is a gap, not a point at minus infinity.
    return sorted.map((t) => (byT.has(t) && !(isLatency(panel) && byT.get(t) <= 0) ? byT.get(t) : null));
  });
  return [sorted.map((t) => t / 1000), ...cols];
}

async function poll() {
  try {
    const res = await fetch(`/api/series?since=${since}`);
    const body = await res.json();
    for (const [key, pts] of Object.entries(body.series)) {
      const h = (history[key] = (history[key] || []).concat(pts));
      if (h.length > 720) h.splice(0, h.length - 720);
      for (const [t] of pts) since = Math.max(since, t);
    }
    for (const [id, { panel, plot }] of charts) {
      const data = toData(panel);
      plot.setData(data);
      window.__dsmSeries[id] = data.slice(1).reduce((n, col) => n + col.filter((v) => v !== null).length, 0);
    }
    const s = body.status;
    document.getElementById('status').textContent = s
      ? `${s.nodesScraped} node(s) scraped${s.nodesFailed.length ? `, unreachable: ${s.nodesFailed.join(', ')}` : ''} · ${new Date(body.now).toLocaleTimeString()}`
      : 'waiting for the first scrape…';
  } catch (err) {
    document.getElementById('status').textContent = `agent unreachable: ${err}`;
  }
}

(async () => {
  const meta = await (await fetch('/api/dashboards')).json();
  render(meta);
  await poll();
  window.__dsmReady = true;
  setInterval(poll, Math.max(500, Math.min(meta.intervalMs, 2000)));
})();
