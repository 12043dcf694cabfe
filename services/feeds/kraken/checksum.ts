/**
 * Kraken's book checksum (WS v1): for the top 10 asks (best first, ascending) then the top 10
 * bids (best first, descending), each price and volume string with the '.' removed and leading
 * zeros stripped, all concatenated; the CRC32 of that as an unsigned decimal string.
 */
import { crc32 as zlibCrc32 } from 'node:zlib';

export const CHECKSUM_DEPTH = 10;

/** CRC32 (IEEE) of an ASCII string; Node's zlib.crc32 exists from Node 20.15/22.2. */
export const crc32: (s: string) => number = typeof zlibCrc32 === 'function' ? (s) => zlibCrc32(s) >>> 0 : tableCrc32;

export function krakenChecksumInput(asks: Array<[string, string]>, bids: Array<[string, string]>): string {
  let s = '';
  for (const [p, v] of asks.slice(0, CHECKSUM_DEPTH)) s += digits(p) + digits(v);
  for (const [p, v] of bids.slice(0, CHECKSUM_DEPTH)) s += digits(p) + digits(v);
  return s;
}

export function krakenChecksum(asks: Array<[string, string]>, bids: Array<[string, string]>): string {
  return String(crc32(krakenChecksumInput(asks, bids)));
}

function digits(decimal: string): string {
  return decimal.replace('.', '').replace(/^0+/, '');
}

let table: Uint32Array | undefined;

/** Fallback for Node versions without zlib.crc32; exported so tests can hold it to zlib. */
export function tableCrc32(s: string): number {
  table ??= Uint32Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  let crc = 0xffffffff;
  for (let i = 0; i < s.length; i++) crc = table[(crc ^ s.charCodeAt(i)) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
