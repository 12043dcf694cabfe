/**
 * Streaming reader for capture files: one parsed record per line, in file order, with the
 * 1-based line number. Malformed lines are counted (and kept for the caller to report), never thrown.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseCaptureLine, type CaptureRecord } from './line.js';

export interface CaptureLine {
  line: number;
  rec: CaptureRecord;
}

export interface CaptureReadStats {
  lines: number;
  records: number;
  blank: number;
  malformed: number;
  /** First few malformed lines, for a readable report. */
  malformedSamples: Array<{ line: number; reason: string }>;
}

const SAMPLE_LIMIT = 5;

export function emptyReadStats(): CaptureReadStats {
  return { lines: 0, records: 0, blank: 0, malformed: 0, malformedSamples: [] };
}

/** Parse lines one at a time, updating `stats`; yields only well-formed records. */
export function* parseCaptureLines(lines: Iterable<string>, stats: CaptureReadStats = emptyReadStats()): Generator<CaptureLine> {
  for (const text of lines) yield* accept(text, stats);
}

/** Read a capture file as a stream of records; `stats` is filled in as lines are read. */
export async function* readCaptureFile(path: string, stats: CaptureReadStats = emptyReadStats()): AsyncGenerator<CaptureLine> {
  const rl = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  for await (const text of rl) yield* accept(text, stats);
}

/** Read a whole capture file into memory (small files: REST snapshot captures). */
export async function readCaptureRecords(path: string, stats: CaptureReadStats = emptyReadStats()): Promise<CaptureLine[]> {
  const out: CaptureLine[] = [];
  for await (const l of readCaptureFile(path, stats)) out.push(l);
  return out;
}

function* accept(text: string, stats: CaptureReadStats): Generator<CaptureLine> {
  const line = ++stats.lines;
  const parsed = parseCaptureLine(text);
  if (parsed.kind === 'blank') {
    stats.blank++;
  } else if (parsed.kind === 'malformed') {
    stats.malformed++;
    if (stats.malformedSamples.length < SAMPLE_LIMIT) stats.malformedSamples.push({ line, reason: parsed.reason });
  } else {
    stats.records++;
    yield { line, rec: parsed };
  }
}
