/**
 * Byte layout of the DSM wire format, version 1. docs/wire-format.md is the human-readable
 * form of this file; keep the two in step.
 *
 * All integers are little-endian: every host we run on (x86-64, Graviton) is little-endian,
 * so neither side ever swaps bytes. 64-bit fields are written as two u32 halves (low word
 * first), which keeps the hot path on plain numbers instead of BigInt.
 */

export const WIRE_VERSION = 1;

export const MessageCode = {
  delta: 1,
  snapshot: 2,
  heartbeat: 3,
} as const;

export type MessageType = keyof typeof MessageCode;

/** Flag bits (u16). Decoders ignore bits they do not know, so new flags need no version bump. */
export const Flags = {
  /** Snapshot sent as the reply to a snapshot request (rather than unsolicited). */
  REPLY: 0x0001,
  /** Snapshot limited to the top N levels per side, not the full book. */
  TRUNCATED: 0x0002,
  /** Heartbeat from the publisher that currently holds the lease. */
  LEADER: 0x0004,
  /**
   * Snapshot that starts a new sequence line: the publisher could not continue the previous
   * epoch's sequence (cold start on a live feed). Mirrors accept it even if its sequence is
   * lower than the one they hold.
   */
  RESET: 0x0008,
  /**
   * Delta with no levels: the publisher's book for this symbol has lost sync with the venue
   * (a gap, a checksum mismatch, a reconnect) and is being recovered. Until the next snapshot in
   * the stream the book must not be treated as current; snapshot requests are not answered.
   */
  STALE: 0x0010,
  /**
   * Multi-part snapshot (a book too large for one message under max_payload): more parts of this
   * snapshot follow, with the same epoch and seq. Set on every part but the last.
   */
  MORE: 0x0020,
  /** Multi-part snapshot: this part adds its levels to the parts before it (not set on the first). */
  CONTINUATION: 0x0040,
} as const;

/** Offsets of the fixed header, shared by every message type. */
export const Offset = {
  version: 0, // u8
  type: 1, // u8
  flags: 2, // u16
  epoch: 4, // u32
  seq: 8, // u64
  exchSeq: 16, // u64
  exchTsUs: 24, // u64
  recvMonoNs: 32, // u64
  pubMonoNs: 40, // u64
  priceDecimals: 48, // u8
  sizeDecimals: 49, // u8
  exchangeLength: 50, // u8
  symbolLength: 51, // u8
} as const;

/** Exchange bytes start here; symbol bytes follow; then the type-specific body. */
export const HEADER_BYTES = 52;

/** Book bodies (delta, snapshot): u32 bid count, u32 ask count, then the levels. */
export const BOOK_COUNTS_BYTES = 8;
/** One level: price as i64 (two u32 halves, high half signed), size as u64. */
export const LEVEL_BYTES = 16;

/**
 * Heartbeat body: u8 publisher-id length, publisher id, u32 symbol count, u64 published
 * message count, u16 info length, info (UTF-8, free-form; JSON by convention).
 */
export const HEARTBEAT_FIXED_BYTES = 1 + 4 + 8 + 2;

/** Longest exchange, symbol or publisher id in UTF-8 bytes (u8 length prefix). */
export const MAX_NAME_BYTES = 255;
/** Longest heartbeat info in UTF-8 bytes (u16 length prefix). */
export const MAX_INFO_BYTES = 65_535;
/** Decimals beyond this cannot be rescaled exactly with 10^d in a double, so they are rejected. */
export const MAX_DECIMALS = 18;

/** Bytes a book message needs besides its levels, at most (header, two longest names, counts), plus slack. */
export const BOOK_OVERHEAD_BYTES = HEADER_BYTES + 2 * MAX_NAME_BYTES + BOOK_COUNTS_BYTES + 64;

/** Most levels one book message may carry under a server's max_payload. */
export function levelsPerMessage(maxPayloadBytes: number): number {
  return Math.max(1, Math.floor((maxPayloadBytes - BOOK_OVERHEAD_BYTES) / LEVEL_BYTES));
}

/** Messages a full snapshot reply of `levels` levels takes (multi-part snapshot). */
export function snapshotParts(levels: number, maxPayloadBytes: number): number {
  return Math.max(1, Math.ceil(levels / levelsPerMessage(maxPayloadBytes)));
}
