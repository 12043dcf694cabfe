/**
 * ITCH from a binary file: either Nasdaq's historical format ([length | message] repeated) or
 * MoldUDP64 packets written back to back. The first byte tells them apart: a MoldUDP64 packet
 * starts with its ASCII session name, a length prefix starts with a zero high byte.
 */
import { readFileSync } from 'node:fs';
import type { DecodeProblem } from '../../marketdata/events.js';
import { ItchFeed, type ItchFeedOptions, type ItchSummary } from './feed.js';
import { END_OF_SESSION, MOLD_HEADER_LENGTH } from './moldudp64.js';

export type ItchFraming = 'mold' | 'stream';

export function detectFraming(buf: Uint8Array): ItchFraming {
  const c = buf[0];
  return c !== undefined && c >= 0x20 && c <= 0x7e ? 'mold' : 'stream';
}

/** Split back-to-back MoldUDP64 packets by walking their headers and message lengths. */
export function* splitMoldPackets(buf: Uint8Array): Generator<Uint8Array | DecodeProblem> {
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let off = 0;
  while (off < buf.length) {
    if (off + MOLD_HEADER_LENGTH > buf.length) {
      yield { kind: 'truncated', detail: `file ends inside a MoldUDP64 header at byte ${off}` };
      return;
    }
    const count = v.getUint16(off + 18);
    let end = off + MOLD_HEADER_LENGTH;
    if (count !== 0 && count !== END_OF_SESSION) {
      for (let i = 0; i < count; i++) {
        if (end + 2 > buf.length) break;
        end += 2 + v.getUint16(end);
      }
    }
    if (end > buf.length) {
      yield { kind: 'truncated', detail: `file ends inside a MoldUDP64 packet at byte ${off}` };
      return;
    }
    yield buf.subarray(off, end);
    off = end;
  }
}

export interface ItchReplayResult {
  framing: ItchFraming;
  summary: ItchSummary;
  problems: DecodeProblem[];
  feed: ItchFeed;
}

/** Decode a whole ITCH buffer into books. */
export function replayItch(buf: Uint8Array, opts: ItchFeedOptions & { framing?: ItchFraming } = {}): ItchReplayResult {
  const framing = opts.framing ?? detectFraming(buf);
  const feed = new ItchFeed(opts);
  if (framing === 'stream') {
    feed.handleStream(buf);
  } else {
    for (const p of splitMoldPackets(buf)) {
      if ('detail' in p) feed.report(p);
      else feed.handlePacket(p);
    }
  }
  return { framing, summary: feed.summary(), problems: feed.problems, feed };
}

export function replayItchFile(path: string, opts: ItchFeedOptions & { framing?: ItchFraming } = {}): ItchReplayResult {
  return replayItch(readFileSync(path), opts);
}
