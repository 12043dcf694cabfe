/**
 * Appends capture lines to a file (the format parsed by line.ts). Writes go through one
 * buffered stream; `close()` resolves once everything is on disk.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { formatCaptureLine, type CaptureRecord } from './line.js';

export class CaptureWriter {
  private readonly out: WriteStream;
  written = 0;
  /** Records the one-line format cannot carry (payload with a line break). */
  skipped = 0;

  constructor(readonly path: string) {
    this.out = createWriteStream(path, { flags: 'w', encoding: 'utf8' });
  }

  write(rec: CaptureRecord): boolean {
    const line = formatCaptureLine(rec);
    if (line === undefined) {
      this.skipped++;
      return false;
    }
    this.out.write(`${line}\n`);
    this.written++;
    return true;
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.out.once('error', reject);
      this.out.end(() => resolve());
    });
  }
}
