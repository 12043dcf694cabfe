/**
 * What a subscriber may ask for: data subjects and wildcards over them (`NYSE.*.orderbook`,
 * `*.AAPL.orderbook`, `NYSE.>`), never control subjects. Symbols in exact subjects are given as
 * the exchange spells them and encoded here, so `NYSE.BRK.B.orderbook` is not how one asks for
 * BRK.B: use `dataSubject('NYSE', 'BRK.B')` or the `--symbol` form of the CLI.
 */
import { encodeSubjectToken } from '../marketdata/subject.js';

export class SubjectError extends Error {}

export function checkDataPattern(pattern: string, controlPrefix: string, dataSuffix: string): string {
  const tokens = pattern.split('.');
  if (tokens.some((t) => t === '' || /\s/.test(t))) throw new SubjectError(`"${pattern}" is not a valid subject: empty token or whitespace`);
  if (tokens[0] === '>' ) throw new SubjectError(`"${pattern}" would include control subjects; name an exchange (NYSE.*.${dataSuffix}) or use *.*.${dataSuffix}`);
  if (tokens[0] === controlPrefix || tokens[0]!.startsWith('_')) throw new SubjectError(`"${pattern}" is a control subject, not market data`);
  const gt = tokens.indexOf('>');
  if (gt >= 0 && gt !== tokens.length - 1) throw new SubjectError(`"${pattern}": ">" may only be the last token`);
  if (gt < 0 && (tokens.length !== 3 || (tokens[2] !== dataSuffix && tokens[2] !== '*'))) {
    throw new SubjectError(`"${pattern}" is not a data subject: expected <EXCHANGE>.<SYMBOL>.${dataSuffix}`);
  }
  return pattern;
}

/** `EXCHANGE:SYMBOL` (symbol as the exchange spells it) -> its data subject. */
export function subjectForInstrument(spec: string, dataSuffix: string): string {
  const i = spec.indexOf(':');
  if (i <= 0 || i === spec.length - 1) throw new SubjectError(`"${spec}" must look like EXCHANGE:SYMBOL, e.g. NYSE:BRK.B`);
  return `${spec.slice(0, i)}.${encodeSubjectToken(spec.slice(i + 1))}.${dataSuffix}`;
}
