/**
 * Live feeds' per-symbol health (SourceStats.symbols: gaps, recoveries, attempts, time stale,
 * stale now), read two ways:
 * - per exchange, for the metrics summaries: counts that stay bounded whatever the number of
 *   symbols (CloudWatch has no per-symbol dimension, config/metrics.ts);
 * - per symbol, for the ingest's progress log, where an operator sees which book is stale and for
 *   how long: only the symbols that are stale now or changed since the last line, the worst first.
 * Pure: the ingest hands in the stats, nothing here keeps a clock.
 */
import type { SourceStats, SymbolHealth } from './feed-update.js';

/** A source as the ingest holds it: where it runs (main thread, worker N) keeps equal source names apart. */
export interface PlacedSource {
  /** Unique per source for the life of the process, e.g. `main#0` or `w1#0`. */
  key: string;
  stats: SourceStats;
}

export interface ExchangeFeedHealth {
  /** Symbols with live recovery (per-symbol health); 0 for recorded feeds. */
  symbols: number;
  /** Of those, stale now. */
  stale: number;
}

/** Symbols tracked and stale now, per exchange; every exchange with a source appears, recorded ones as 0/0. */
export function feedHealthByExchange(sources: readonly SourceStats[]): Record<string, ExchangeFeedHealth> {
  const out: Record<string, ExchangeFeedHealth> = {};
  for (const s of sources) {
    const e = (out[s.exchange] ??= { symbols: 0, stale: 0 });
    for (const h of Object.values(s.symbols ?? {})) {
      e.symbols++;
      if (h.stale) e.stale++;
    }
  }
  return out;
}

/** Total milliseconds stale over a source's symbols, the running stale periods included (grows monotonically). */
export function staleMsOf(s: SourceStats): number {
  let ms = 0;
  for (const h of Object.values(s.symbols ?? {})) ms += h.staleMs;
  return ms;
}

export interface SymbolHealthLine {
  /** `EXCHANGE:SYMBOL` -> health, for the symbols stale now or changed since the last call. */
  symbols: Record<string, SymbolHealth>;
  /** Symbols left out to keep the line bounded (the least interesting ones). */
  omitted: number;
}

/**
 * The per-symbol part of a progress log line. A symbol appears while it is stale and once more on
 * the line after its gaps, recoveries or attempts changed (so its recovery shows); a quiet,
 * healthy symbol does not.
 */
export class SymbolHealthLog {
  private last = new Map<string, SymbolHealth>();

  constructor(private readonly maxSymbols = 50) {}

  next(sources: readonly SourceStats[]): SymbolHealthLine {
    const now = new Map<string, SymbolHealth>();
    for (const s of sources) for (const [sym, h] of Object.entries(s.symbols ?? {})) now.set(`${s.exchange}:${sym}`, h);
    const shown: Array<[string, SymbolHealth]> = [];
    for (const [name, h] of now) {
      const was = this.last.get(name);
      const changed = !was || was.gaps !== h.gaps || was.recoveries !== h.recoveries || was.attempts !== h.attempts;
      if (h.stale || (changed && (h.gaps > 0 || h.attempts > 0))) shown.push([name, h]);
    }
    this.last = now;
    // Stale ones first, the longest stale first; then the most gaps.
    shown.sort(([, a], [, b]) => Number(b.stale) - Number(a.stale) || b.staleMs - a.staleMs || b.gaps - a.gaps);
    return { symbols: Object.fromEntries(shown.slice(0, this.maxSymbols)), omitted: Math.max(0, shown.length - this.maxSymbols) };
  }
}

/**
 * Every source the ingest reports on, keyed so that two workers' connections to one venue never
 * share a key: the main thread's (recordings' decoding side), each worker's live feeds, and each
 * worker's kept books of recorded inputs (`WorkerStats.kept`).
 */
export function placedSources(mainThread: readonly SourceStats[], workers: ReadonlyArray<{ worker: number; sources?: SourceStats[]; kept?: SourceStats[] }>): PlacedSource[] {
  const at = (where: string) => (stats: SourceStats) => ({ key: `${where}\u0000${stats.exchange}\u0000${stats.source}`, stats });
  return [
    ...mainThread.map(at('main')),
    ...workers.flatMap((w) => [...(w.sources ?? []).map(at(`w${w.worker}`)), ...(w.kept ?? []).map(at(`w${w.worker}-kept`))]),
  ];
}
