/**
 * Books of venue inputs decoded elsewhere (FeedUpdate kind 'input': a recording, a multicast
 * stream), kept in the thread that owns their symbols. One venue keeper per exchange holds the
 * venue's rules and its one book per symbol; the updates it makes carry that book
 * (`FeedUpdate.book`), so the publish engine publishes from it instead of applying the change to a
 * second copy. Nothing here does I/O.
 */
import type { BookKeeper } from '../feeds/live.js';
import type { L2Book } from '../marketdata/book/l2-book.js';
import { newSourceStats, type FeedUpdate, type SourceStats } from './feed-update.js';
import { updatesFromSync } from './sources/venue-updates.js';

interface Kept {
  keeper: BookKeeper;
  stats: SourceStats;
}

export class KeptBooks {
  private readonly byExchange = new Map<string, Kept>();

  /**
   * `keeperFor`: a venue's keeper for one exchange, or undefined when the venue keeps no books this
   * way. `where`: which thread keeps them, in the counters' source name (one per worker).
   */
  constructor(private readonly keeperFor: (venue: string, exchange: string) => BookKeeper | undefined, private readonly where = 'here') {}

  /**
   * Apply one input to its symbol's book and hand each update it made to `sink`, with the
   * exchange's counters (for refusals), stamped with the input's receive time.
   * `attachBook`: hand the keeper's book along for the engine to adopt (only when the sink applies
   * the update at once, in this thread, before the next input).
   */
  take(u: FeedUpdate, sink: (stats: SourceStats, update: FeedUpdate) => void, attachBook = true): void {
    const input = u.input!;
    const kept = this.keptFor(input.venue, u.exchange);
    // A fresh stamp per input: a venue may buffer it with the input (Binance before its snapshot).
    const stamp = { recvMonoNs: u.recvMonoNs, recvWallUs: u.recvWallUs };
    kept.stats.inputs++;
    const result = kept.keeper.keep(input.data, stamp, input.line);
    const updates = updatesFromSync(result, (s) => kept.keeper.book(s), u.atUs, kept.stats, attachBook, stamp);
    for (let i = 0; i < updates.length; i++) sink(kept.stats, updates[i]!);
  }

  /** The book kept for a symbol, if any. */
  book(exchange: string, symbol: string): L2Book | undefined {
    return this.byExchange.get(exchange)?.keeper.book(symbol);
  }

  /** Counters per exchange kept here, with the venue's gaps, resyncs and checksum results. */
  stats(): SourceStats[] {
    return [...this.byExchange.values()].map(({ keeper, stats }) => {
      const sync = keeper.syncStats();
      const notes = [...(sync.checksumChecks ? [`${stats.exchange} checksums: ${sync.checksumMatches}/${sync.checksumChecks} matched`] : []), ...(keeper.notes?.() ?? [])];
      return { ...stats, gaps: sync.gaps, resyncs: sync.resyncs, notes };
    });
  }

  private keptFor(venue: string, exchange: string): Kept {
    let kept = this.byExchange.get(exchange);
    if (kept) return kept;
    const keeper = this.keeperFor(venue, exchange);
    // Inputs come from this ingest's own decoders: a miss is a wiring bug, not bad feed data.
    if (!keeper) throw new Error(`no book keeper for ${exchange}: venue ${JSON.stringify(venue.slice(0, 40))} keeps no books for decoded inputs`);
    kept = { keeper, stats: newSourceStats(`${exchange} books kept ${this.where}`, exchange) };
    this.byExchange.set(exchange, kept);
    return kept;
  }
}

/**
 * Merge the counters an exchange's books reported (`kept`, from the workers) into the stats of
 * the source that decoded its inputs: the decoding side counts inputs and malformed frames, the
 * keeping side updates, gaps, resyncs and checksums.
 */
export function mergeKeptStats(source: SourceStats, kept: readonly SourceStats[]): SourceStats {
  const mine = kept.filter((k) => k.exchange === source.exchange);
  if (mine.length === 0) return source;
  const sum = (f: (s: SourceStats) => number) => mine.reduce((a, s) => a + f(s), 0);
  const checks = mine.flatMap((k) => k.notes);
  return {
    ...source,
    updates: source.updates + sum((s) => s.updates),
    malformed: source.malformed + sum((s) => s.malformed),
    gaps: source.gaps + sum((s) => s.gaps),
    resyncs: source.resyncs + sum((s) => s.resyncs),
    notes: [...source.notes, ...mergeChecksumNotes(checks)],
  };
}

/** "X checksums: a/b matched" from several workers, added up into one line per exchange. */
function mergeChecksumNotes(notes: string[]): string[] {
  const totals = new Map<string, [number, number]>();
  const other: string[] = [];
  for (const n of notes) {
    const m = /^(.*) checksums: (\d+)\/(\d+) matched$/.exec(n);
    if (!m) { other.push(n); continue; }
    const t = totals.get(m[1]!) ?? [0, 0];
    totals.set(m[1]!, [t[0] + Number(m[2]), t[1] + Number(m[3])]);
  }
  return [...[...totals].map(([ex, [a, b]]) => `${ex} checksums: ${a}/${b} matched`), ...other];
}
