/**
 * Does a subscriber's mirror equal the ingest's book? Levels exactly, and the same sequence.
 * Pure; used by the demo report, the tests and the drills.
 */
import type { BookDump } from '../ingest/publish-engine.js';

/** What the comparison reads of a subscriber's books: a live MirrorSet or a dumped report. */
export interface MirrorLookup {
  get(exchange: string, symbol: string): { lastSeq: number; book: { snapshot(): { bids: Array<[number, number]>; asks: Array<[number, number]> } } } | undefined;
}

export interface BookMismatch {
  exchange: string;
  symbol: string;
  reason: string;
}

function firstDifference(a: Array<[number, number]>, b: Array<[number, number]>): string | undefined {
  if (a.length !== b.length) return `${a.length} vs ${b.length} levels`;
  for (let i = 0; i < a.length; i++) {
    if (a[i]![0] !== b[i]![0] || a[i]![1] !== b[i]![1]) return `level ${i + 1}: ${a[i]!.join('@')} vs ${b[i]!.join('@')}`;
  }
  return undefined;
}

/** Compare the books a subscriber should have (those matching `wanted`) with its mirrors. */
export function compareBooks(dumps: BookDump[], mirrors: MirrorLookup, wanted: (exchange: string, symbol: string) => boolean): { compared: number; mismatches: BookMismatch[] } {
  const mismatches: BookMismatch[] = [];
  let compared = 0;
  for (const d of dumps) {
    if (!wanted(d.exchange, d.symbol)) continue;
    compared++;
    const m = mirrors.get(d.exchange, d.symbol);
    if (!m) { mismatches.push({ exchange: d.exchange, symbol: d.symbol, reason: 'no mirror' }); continue; }
    if (m.lastSeq !== d.seq) { mismatches.push({ exchange: d.exchange, symbol: d.symbol, reason: `seq ${m.lastSeq} vs ingest ${d.seq}` }); continue; }
    const snap = m.book.snapshot();
    const diff = firstDifference(snap.bids, d.bids) ?? firstDifference(snap.asks, d.asks);
    if (diff) mismatches.push({ exchange: d.exchange, symbol: d.symbol, reason: diff });
  }
  return { compared, mismatches };
}

export { subjectMatches } from '../marketdata/subject.js';
