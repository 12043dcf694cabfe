import type { EmitSink } from './emit.js';

export interface ReplayOptions {
  /** Levels per side in emitted lines. */
  depth: number;
  emit: EmitSink;
}
