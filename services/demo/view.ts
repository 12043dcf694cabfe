/**
 * The demo's live terminal view: progress, message rates, per-hop latency and top of book.
 * Redraws in place on a terminal; prints a compact line every few seconds elsewhere (CI logs).
 */
import { formatScaled } from '../marketdata/decimal.js';
import type { HopSummary } from '../metrics/latency.js';
import type { BookMirror } from '../mirror/book-mirror.js';

export interface ViewState {
  elapsedS: number;
  pace: string;
  sources: Array<{ exchange: string; inputs: number; updates: number; done: boolean }>;
  publishedPerS: number;
  receivedPerS: number;
  published: number;
  received: number;
  hops: { ingest_to_publish?: HopSummary; publish_to_subscriber?: HopSummary; end_to_end?: HopSummary };
  tops: BookMirror[];
  gaps: number;
  resyncs: number;
}

const fmtHop = (h?: HopSummary) => (h ? `p50 ${String(h.p50).padStart(6)} µs  p99 ${String(h.p99).padStart(7)} µs  p99.9 ${String(h.p999).padStart(7)} µs` : 'no samples yet');

function top(m: BookMirror): string {
  const b = m.book.bestBid();
  const a = m.book.bestAsk();
  const { priceDecimals: pd, sizeDecimals: sd } = m.book.format;
  const side = (l: [number, number] | undefined) => (l ? `${formatScaled(l[1], sd)} @ ${formatScaled(l[0], pd)}` : '-');
  return `${`${m.exchange}:${m.symbol}`.padEnd(20)} bid ${side(b).padStart(28)}   ask ${side(a).padEnd(28)} seq ${m.lastSeq}`;
}

export function renderView(s: ViewState): string {
  const lines = [
    `DSM demo  ${s.elapsedS.toFixed(1)} s  pace ${s.pace}   (3-node mTLS NATS cluster on 127.0.0.1)`,
    '',
    `feeds     ${s.sources.map((x) => `${x.exchange} ${x.inputs}${x.done ? ' ✓' : ''}`).join('   ')}`,
    `rates     published ${Math.round(s.publishedPerS).toString().padStart(7)}/s   received ${Math.round(s.receivedPerS).toString().padStart(7)}/s   totals ${s.published} / ${s.received}   gaps ${s.gaps} resyncs ${s.resyncs}`,
    '',
    `ingest → publish      ${fmtHop(s.hops.ingest_to_publish)}`,
    `publish → subscriber  ${fmtHop(s.hops.publish_to_subscriber)}`,
    `end to end            ${fmtHop(s.hops.end_to_end)}`,
    // Subscribers in their own processes report latency and counts, not books: no top of book then.
    ...(s.tops.length ? ['', 'top of book', ...s.tops.map((m) => `  ${top(m)}`)] : ['', 'subscribers run in their own processes; received counts and latency come from their summaries']),
  ];
  return lines.join('\n');
}

export class TerminalView {
  private lastLines = 0;
  private lastPlain = 0;
  constructor(private readonly out: NodeJS.WriteStream = process.stderr) {}

  draw(s: ViewState): void {
    if (this.out.isTTY) {
      const text = renderView(s);
      // Move to the start of the previous frame and overwrite it.
      if (this.lastLines) this.out.write(`\x1b[${this.lastLines}A\x1b[0J`);
      this.out.write(`${text}\n`);
      this.lastLines = text.split('\n').length;
    } else if (s.elapsedS - this.lastPlain >= 5) {
      this.lastPlain = s.elapsedS;
      const e2e = s.hops.end_to_end;
      this.out.write(`[demo ${s.elapsedS.toFixed(0)}s] published ${s.published} received ${s.received} (${Math.round(s.receivedPerS)}/s) e2e p50 ${e2e?.p50 ?? '-'} µs p99 ${e2e?.p99 ?? '-'} µs\n`);
    }
  }
}
