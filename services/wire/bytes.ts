/**
 * Little-endian integer access. 64-bit fields are two u32 halves, which keeps them off the slow
 * BigInt path: a double holds every integer up to 2^53 exactly.
 *
 * Two styles, each where it measured faster (wire-bench.ts): byte-wise reads on a Uint8Array for
 * the decoder, which sees a new buffer per message (a DataView per message would be an
 * allocation), and DataView writes for the encoder, which owns its buffer and keeps one view.
 */

const TWO_32 = 4_294_967_296;

export function writeU32(b: Uint8Array, o: number, v: number): void {
  b[o] = v;
  b[o + 1] = v >>> 8;
  b[o + 2] = v >>> 16;
  b[o + 3] = v >>> 24;
}

/**
 * Write an integer in [-2^53, 2^64) as 64-bit two's complement. `v >>> 0` is v mod 2^32 for
 * any integral double, negative ones included, so the low half is exact and the high half is
 * an exact division.
 */
export function write64(b: Uint8Array, o: number, v: number): void {
  const lo = v >>> 0;
  const hi = (v - lo) / TWO_32;
  writeU32(b, o, lo);
  writeU32(b, o + 4, hi);
}

export function readU16(b: Uint8Array, o: number): number {
  return b[o]! | (b[o + 1]! << 8);
}

export function readU32(b: Uint8Array, o: number): number {
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16)) + b[o + 3]! * 16_777_216;
}

/** Unsigned 64-bit; exact up to 2^53, nearest double above (timestamps only go there). */
export function readU64(b: Uint8Array, o: number): number {
  return readU32(b, o + 4) * TWO_32 + readU32(b, o);
}

/** Signed 64-bit (high half as int32); exact within the safe-integer range. */
export function readI64(b: Uint8Array, o: number): number {
  const hi = b[o + 4]! | (b[o + 5]! << 8) | (b[o + 6]! << 16) | (b[o + 7]! << 24);
  return hi * TWO_32 + readU32(b, o);
}

/** `write64` through a DataView: the encoder owns its buffer, so it keeps one view per buffer. */
export function viewWrite64(v: DataView, o: number, x: number): void {
  const lo = x >>> 0;
  v.setUint32(o, lo, true);
  v.setInt32(o + 4, (x - lo) / TWO_32, true);
}
