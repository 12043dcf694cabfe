/**
 * Subjects and identities as `tail` and `subscribe` take them: validated before anything connects
 * (a bad one is a usage error, exit 2), symbols given as the exchange spells them (`--symbol
 * KRAKEN:XMR/USD`) encoded into their subject, and `EX.>` narrowed to the data form the server's
 * permissions admit (`EX.*.orderbook`), saying so.
 */
import type { DsmConfig } from '../config/schema.js';
import { checkDataPattern, SubjectError, subjectForInstrument } from '../services/subscriber/subjects.js';
import { UsageError } from './exit.js';

export function checkIdentity(config: DsmConfig, name: string): void {
  if (!config.identities.some((i) => i.name === name)) throw new UsageError(`--identity: unknown identity "${name}"; configured: ${config.identities.map((i) => i.name).join(', ')}`);
}

/** Data subjects from positional patterns and `--symbol EX:SYM` specs; notes go to `note`. */
export function dataSubjects(config: DsmConfig, patterns: string[], symbols: string[], note: (line: string) => void = () => {}): string[] {
  const { controlPrefix, dataSuffix } = config.subjects;
  try {
    const out = patterns.map((p) => {
      // Data subjects always have three tokens; the servers' permissions are written that way.
      const m = /^([^.]+)(?:\.([^.]+))?\.>$/.exec(p);
      if (m && m[1] !== '>' && !m[1]!.startsWith('_')) {
        const narrowed = `${m[1]}.${m[2] ?? '*'}.${dataSuffix}`;
        note(`${p} means ${narrowed} (data subjects have three tokens)`);
        return checkDataPattern(narrowed, controlPrefix, dataSuffix);
      }
      return checkDataPattern(p, controlPrefix, dataSuffix);
    });
    for (const spec of symbols) out.push(subjectForInstrument(spec, dataSuffix));
    return out;
  } catch (e) {
    if (e instanceof SubjectError) throw new UsageError(`${e.message} (exact symbols: --symbol EXCHANGE:SYMBOL as the exchange spells it, e.g. --symbol NYSE:BRK.B)`);
    throw e;
  }
}
