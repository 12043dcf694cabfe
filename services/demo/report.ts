/** The demo's report: JSON for machines (demo-report.json), Markdown for people (demo-report.md). */
import type { HopSummary } from '../metrics/latency.js';
import type { SourceStats } from '../ingest/feed-update.js';
import type { BookMismatch } from '../pipeline/compare.js';
import { describeMiss, type ThresholdCheck } from './thresholds.js';

export interface SubscriberReport {
  name: string;
  subjects: string[];
  node: string;
  received: number;
  applied: number;
  books: number;
  books_compared: number;
  book_mismatches: number;
  mismatches: BookMismatch[];
  gaps: number;
  resyncs: number;
  duplicates_dropped: number;
  malformed: number;
  slow_consumer: number;
}

export interface DemoReport {
  /** Books: every subscriber's books equal the ingest's. */
  ok: boolean;
  /** Every configured latency threshold met (see thresholds). */
  latency_ok: boolean;
  thresholds: ThresholdCheck[];
  /** How the processes were laid out (which ran where), so figures are read in context. */
  layout: string[];
  /** The latency picture beside the table (file name, relative to the report). */
  latency_picture?: string;
  started_at: string;
  duration_s: number;
  pace: string;
  cluster: { name: string; nodes: number; tls: 'mTLS (clients and routes)' };
  events: number;
  published: number;
  received: number;
  book_mismatches: number;
  books: number;
  latency_us: { ingest_to_publish?: HopSummary; publish_to_subscriber?: HopSummary; end_to_end?: HopSummary };
  sources: SourceStats[];
  subscribers: SubscriberReport[];
  notes: string[];
}

const hopRow = (name: string, h?: HopSummary) => (h ? `| ${name} | ${h.p50} | ${h.p99} | ${h.p999} | ${h.max} | ${h.count} |` : `| ${name} | - | - | - | - | 0 |`);

export function reportMarkdown(r: DemoReport): string {
  const lines = [
    `# DSM demo report`,
    '',
    `${r.ok ? '**Books OK**' : '**Books FAILED**'}${r.latency_ok ? ', latency thresholds met' : `, **latency thresholds MISSED**: ${r.thresholds.filter((t) => !t.met).map(describeMiss).join('; ')}`}.`,
    '',
    `${r.events} feed events, ${r.published} updates published, ${r.received} received by ${r.subscribers.length} subscribers, **${r.book_mismatches} book mismatches** over ${r.books} books.`,
    '',
    `Started ${r.started_at}, ran ${r.duration_s.toFixed(1)} s at pace \`${r.pace}\` on a ${r.cluster.nodes}-node cluster \`${r.cluster.name}\` (${r.cluster.tls}).`,
    '',
    '## Latency (µs, one host, shared monotonic clock)',
    '',
    '| hop | p50 | p99 | p99.9 | max | count |',
    '|---|---|---|---|---|---|',
    hopRow('ingest → publish', r.latency_us.ingest_to_publish),
    hopRow('publish → subscriber', r.latency_us.publish_to_subscriber),
    hopRow('end to end', r.latency_us.end_to_end),
    '',
    ...(r.latency_picture ? [`![latency per hop, log scale](${r.latency_picture})`, ''] : []),
    '### Thresholds (config `thresholds`)',
    '',
    '| threshold | limit | measured | verdict |',
    '|---|---|---|---|',
    ...r.thresholds.map((t) => `| ${t.name} | ${t.limit} ${t.unit} | ${t.measured ?? '-'} ${t.measured === null ? '' : t.unit} | ${t.met ? 'met' : t.measured === null ? '**no samples**' : `**missed by ${t.over_by} ${t.unit}**`} |`),
    '',
    '### Process layout',
    '',
    ...r.layout.map((l) => `- ${l}`),
    '',
    '## Sources',
    '',
    '| exchange | source | inputs | updates | malformed | gaps | resyncs |',
    '|---|---|---|---|---|---|---|',
    ...r.sources.map((s) => `| ${s.exchange} | ${s.source.split(' ')[0]} | ${s.inputs} | ${s.updates} | ${s.malformed} | ${s.gaps} | ${s.resyncs} |`),
    '',
    '## Subscribers',
    '',
    '| subscriber | node | subjects | received | books | mismatches | gaps | resyncs | duplicates | slow consumer |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...r.subscribers.map((s) => `| ${s.name} | ${s.node} | ${s.subjects.length > 4 ? `${s.subjects.length} subjects (\`${s.subjects[0]}\`, ...)` : s.subjects.map((x) => `\`${x}\``).join(', ')} | ${s.received} | ${s.books} | ${s.book_mismatches} | ${s.gaps} | ${s.resyncs} | ${s.duplicates_dropped} | ${s.slow_consumer} |`),
    '',
    ...(r.notes.length ? ['## Notes', '', ...r.notes.map((n) => `- ${n}`), ''] : []),
  ];
  return lines.join('\n');
}
