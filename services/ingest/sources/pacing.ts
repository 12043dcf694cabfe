/**
 * Replay pacing: at recorded pace, N times faster, or as fast as possible. Paced replay sleeps
 * until each update's recorded offset (divided by the speed) has elapsed since the start; "max"
 * never sleeps but yields to the event loop now and then so network I/O keeps flowing.
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';

export type Pace = { mode: 'recorded' } | { mode: 'multiplier'; speed: number } | { mode: 'max' };

export function parsePace(text: string): Pace {
  if (text === 'recorded' || text === '1x') return { mode: 'recorded' };
  if (text === 'max') return { mode: 'max' };
  const m = /^(\d+(?:\.\d+)?)x$/.exec(text);
  if (m && Number(m[1]) > 0) return { mode: 'multiplier', speed: Number(m[1]) };
  throw new Error(`pace must be "recorded", "max" or a multiplier such as 10x, got "${text}"`);
}

const MAX_YIELD_EVERY = 256;

export async function* paced<T extends { atUs: number }>(items: AsyncIterable<T>, pace: Pace, signal?: AbortSignal): AsyncGenerator<T> {
  const speed = pace.mode === 'recorded' ? 1 : pace.mode === 'multiplier' ? pace.speed : 0;
  const startMs = performance.now();
  let firstUs: number | undefined;
  let n = 0;
  for await (const item of items) {
    if (signal?.aborted) return;
    if (speed > 0 && item.atUs > 0) {
      firstUs ??= item.atUs;
      const dueMs = (item.atUs - firstUs) / 1000 / speed;
      const waitMs = dueMs - (performance.now() - startMs);
      if (waitMs > 1) await new Promise((r) => setTimeout(r, waitMs));
    } else if (++n % MAX_YIELD_EVERY === 0) {
      await yieldToLoop();
    }
    yield item;
  }
}
