/**
 * RecoveryTracker on its own: a venue whose recovery keeps failing is retried with growing,
 * jittered delays until it succeeds; only published books are marked stale; stop() cancels.
 */
import type { LiveVenue, RecoveryIo } from '../../feeds/live.js';
import { L2Book } from '../../marketdata/book/l2-book.js';
import { emptySyncStats } from '../../feeds/sync.js';
import { RecoveryTracker } from './recovery.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function fakeVenue(failures: number) {
  const state = { needs: true, attempts: [] as number[], failures };
  const book = new L2Book('X', 'S', { priceDecimals: 0, sizeDecimals: 0 });
  const venue: LiveVenue = {
    name: 'fake', url: 'ws://x', symbols: ['S'], snapshotOnSubscribe: false,
    subscribeFrames: () => [], decode: () => ({ inputs: [], malformed: false }), keep: () => ({ events: [], problems: [] }), book: () => book,
    needsSnapshot: () => state.needs, invalidate: () => { state.needs = true; }, syncStats: emptySyncStats,
    recover: () => {
      state.attempts.push(performance.now());
      if (state.attempts.length <= state.failures) return Promise.reject(new Error('HTTP 503'));
      state.needs = false;
      return Promise.resolve();
    },
  };
  return { venue, state };
}

const io: RecoveryIo = { send: () => undefined, fetchText: () => Promise.reject(new Error('unused')), apply: () => undefined, stamp: () => ({ recvMonoNs: 0, recvWallUs: 0 }) };

describe('RecoveryTracker', () => {
  it('retries a failing recovery with exponential backoff until it succeeds, then counts one gap and one recovery', async () => {
    const { venue, state } = fakeVenue(3);
    const stale: string[] = [];
    const t = new RecoveryTracker(venue, { backoff: { baseMs: 20, maxMs: 1000, jitter: 5 }, timeoutMs: 1000 }, io, (s) => stale.push(s));
    state.needs = false;
    t.connected();
    state.needs = true;
    t.lost('S');
    expect(stale).toEqual(['S']);
    for (let i = 0; i < 200 && state.needs; i++) await sleep(10);
    t.applied('S');
    expect(state.attempts).toHaveLength(4);
    const gaps = state.attempts.slice(1).map((a, i) => a - state.attempts[i]!);
    // 40, 80, 160 ms (+ jitter < 5 ms) after the first attempt; timers never fire early.
    expect(gaps[0]).toBeGreaterThanOrEqual(38);
    expect(gaps[1]).toBeGreaterThanOrEqual(78);
    expect(gaps[2]).toBeGreaterThanOrEqual(158);
    expect(t.health().S).toMatchObject({ gaps: 1, recoveries: 1, attempts: 4, stale: false });
    t.stop();
  });

  it('does not recover while disconnected, and stop() cancels a pending attempt', async () => {
    const { venue, state } = fakeVenue(0);
    const t = new RecoveryTracker(venue, { backoff: { baseMs: 10, maxMs: 100, jitter: 0 }, timeoutMs: 100 }, io, () => undefined);
    t.lost('S');
    await sleep(50);
    expect(state.attempts).toHaveLength(0);
    t.connected();
    t.stop();
    await sleep(50);
    expect(state.attempts).toHaveLength(0);
    expect(t.health().S!.stale).toBe(true);
  });
});
