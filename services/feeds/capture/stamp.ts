/**
 * Receive stamps for decoded events. Live feeds stamp frames as they arrive; a replayed capture
 * only knows the wall clock it recorded, so its monotonic stamp is derived from that (same
 * ordering, same spacing) rather than invented from the replay's own clock.
 */
export interface RecvStamp {
  recvMonoNs: number;
  recvWallUs: number;
}

const MONO_ORIGIN_NS = process.hrtime.bigint();
const WALL_ORIGIN_US = BigInt(Date.now()) * 1000n;

/** Stamp for a frame received now. */
export function liveStamp(): RecvStamp {
  const mono = process.hrtime.bigint();
  return { recvMonoNs: Number(mono), recvWallUs: Number(WALL_ORIGIN_US + (mono - MONO_ORIGIN_NS) / 1000n) };
}

/**
 * Stamps for frames read back from one capture. Epoch nanoseconds would overflow 2^53, so the
 * monotonic stamp counts from the capture's first frame.
 */
export class CaptureClock {
  private originUs: number | undefined;

  stamp(wallUs: number): RecvStamp {
    this.originUs ??= wallUs;
    return { recvMonoNs: (wallUs - this.originUs) * 1000, recvWallUs: wallUs };
  }
}
