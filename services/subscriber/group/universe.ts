/**
 * A group's symbol universe: every data subject its patterns cover, from the config's symbols and
 * from what the ingest announces. Keys are data subjects (`NYSE.BRK~2EB.orderbook`): unique,
 * and exactly what an owner subscribes to. Pure.
 */
import { encodeSubjectToken, subjectMatches } from '../../marketdata/subject.js';

export { subjectMatches } from '../../marketdata/subject.js';

export class Universe {
  private readonly keys = new Set<string>();
  /** subject -> [exchange, symbol] as the exchange spells it. */
  private readonly names = new Map<string, [string, string]>();

  constructor(private readonly patterns: readonly string[], private readonly dataSuffix: string) {}

  /** Add the symbols the patterns cover; returns how many were new. */
  add(exchange: string, symbols: Iterable<string>): number {
    let added = 0;
    for (const symbol of symbols) {
      let token: string;
      try { token = encodeSubjectToken(symbol); } catch { continue; }
      const subject = `${exchange}.${token}.${this.dataSuffix}`;
      if (this.keys.has(subject) || !this.patterns.some((p) => subjectMatches(p, subject))) continue;
      this.keys.add(subject);
      this.names.set(subject, [exchange, symbol]);
      added++;
    }
    return added;
  }

  has(subject: string): boolean { return this.keys.has(subject); }
  get size(): number { return this.keys.size; }
  subjects(): ReadonlySet<string> { return this.keys; }
  nameOf(subject: string): [string, string] | undefined { return this.names.get(subject); }
}
