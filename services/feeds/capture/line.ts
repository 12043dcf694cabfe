/**
 * One line of the capture format (services/feeds/samples/PROVENANCE.md), parsed and printed.
 * Pure: no I/O. The streaming file wrapper is reader.ts, the file writer writer.ts.
 *
 *   <epoch>: <frame>              frame received
 *   <url> <- <epoch>: <frame>     frame sent by the client
 *   <url> <-> <epoch>             connection opened
 *   <url> -> <epoch>: <body>      REST response
 */

export type CaptureRecord =
  | { kind: 'recv'; wallUs: number; frame: string }
  | { kind: 'sent'; url: string; wallUs: number; frame: string }
  | { kind: 'open'; url: string; wallUs: number }
  | { kind: 'rest'; url: string; wallUs: number; body: string };

export type ParsedLine = CaptureRecord | { kind: 'blank' } | { kind: 'malformed'; reason: string };

const RECV = /^(\d{1,12}(?:\.\d+)?): (.*)$/s;
const TAGGED = /^(\S+) (<-|<->|->) (\d{1,12}(?:\.\d+)?)(?:: (.*))?$/s;

/**
 * Epoch seconds ("1633998512.0633569") to integer microseconds, from the digits rather than
 * through a float so the receive stamps stay exact to the microsecond.
 */
export function epochToUs(s: string): number {
  const dot = s.indexOf('.');
  const whole = dot < 0 ? s : s.slice(0, dot);
  const frac = dot < 0 ? '' : s.slice(dot + 1, dot + 7);
  return Number(whole) * 1_000_000 + Number(frac.padEnd(6, '0'));
}

/** Integer microseconds to epoch seconds with six decimals. */
export function usToEpoch(us: number): string {
  const whole = Math.floor(us / 1_000_000);
  return `${whole}.${String(us - whole * 1_000_000).padStart(6, '0')}`;
}

/** Parse one line (without its newline). Never throws. */
export function parseCaptureLine(line: string): ParsedLine {
  const text = line.endsWith('\r') ? line.slice(0, -1) : line;
  if (text.trim() === '') return { kind: 'blank' };
  const recv = RECV.exec(text);
  if (recv) return { kind: 'recv', wallUs: epochToUs(recv[1]!), frame: recv[2]! };
  const tagged = TAGGED.exec(text);
  if (!tagged) return { kind: 'malformed', reason: `not a capture line: ${preview(text)}` };
  const [, url, arrow, epoch, payload] = tagged as unknown as [string, string, string, string, string | undefined];
  const wallUs = epochToUs(epoch);
  if (arrow === '<->') {
    return payload === undefined ? { kind: 'open', url, wallUs } : { kind: 'malformed', reason: 'connection line carries a payload' };
  }
  if (payload === undefined) return { kind: 'malformed', reason: `${arrow === '<-' ? 'sent' : 'REST'} line without a payload` };
  return arrow === '<-' ? { kind: 'sent', url, wallUs, frame: payload } : { kind: 'rest', url, wallUs, body: payload };
}

/**
 * Print a record as one capture line (no newline). Returns undefined when the payload holds a
 * line break, which the one-line-per-frame format cannot carry.
 */
export function formatCaptureLine(rec: CaptureRecord): string | undefined {
  const epoch = usToEpoch(rec.wallUs);
  switch (rec.kind) {
    case 'recv':
      return oneLine(rec.frame) ? `${epoch}: ${rec.frame}` : undefined;
    case 'sent':
      return oneLine(rec.frame) && urlOk(rec.url) ? `${rec.url} <- ${epoch}: ${rec.frame}` : undefined;
    case 'open':
      return urlOk(rec.url) ? `${rec.url} <-> ${epoch}` : undefined;
    case 'rest':
      return oneLine(rec.body) && urlOk(rec.url) ? `${rec.url} -> ${epoch}: ${rec.body}` : undefined;
  }
}

function oneLine(s: string): boolean {
  return !/[\r\n]/.test(s);
}

function urlOk(url: string): boolean {
  return url !== '' && !/\s/.test(url);
}

function preview(s: string): string {
  return s.length > 60 ? `${s.slice(0, 60)}...` : s;
}
