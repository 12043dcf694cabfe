/**
 * BookMirror against messages a buggy or compromised publisher could send (issue 14): each is
 * dropped as suspect or outvoted by the stream, and the mirror ends equal to the real publisher.
 */
import type { WireMessage } from '../wire/message.js';
import { BookMirror, type SnapshotReason } from './book-mirror.js';
import { lvl, TestPublisher } from './test-feed.js';

function setup() {
  const pub = new TestPublisher();
  const requests: SnapshotReason[] = [];
  const mirror = new BookMirror(pub.exchange, pub.symbol, pub.format, { onNeedSnapshot: (_m, r) => requests.push(r) });
  const step = () => { const i = pub.seq; return pub.publish([lvl('bid', 1000 - (i % 7), i + 1), lvl('ask', 1001 + (i % 5), i + 2)]); };
  for (let i = 0; i < 5; i++) mirror.onMessage(step());
  return { pub, mirror, requests, step };
}

function forged(m: WireMessage, patch: Partial<Pick<WireMessage, 'seq' | 'epoch' | 'flags'>>): WireMessage {
  return Object.assign(m.clone(), patch);
}

/** A delta the real publisher never made (its own book untouched). */
function fakeDelta(patch: Partial<Pick<WireMessage, 'seq' | 'epoch' | 'flags'>>): WireMessage {
  return forged(new TestPublisher().publish([lvl('bid', 1, 1)]), patch);
}

describe('BookMirror against hostile messages', () => {
  it('a delta with seq 2^53-1 is suspect: dropped, one resync, and the stream continues', () => {
    const { pub, mirror, requests, step } = setup();
    const evil = fakeDelta({ seq: 2 ** 53 - 1 });
    expect(mirror.onMessage(evil)).toBe('suspect');
    expect(mirror.lastSeq).toBe(5);
    expect(requests).toEqual(['suspect']);
    expect(mirror.onMessage(pub.snapshot())).toBe('resynced');
    for (let i = 0; i < 3; i++) expect(mirror.onMessage(step())).toBe('applied');
    expect(mirror.isLive).toBe(true);
    expect(mirror.book.snapshot()).toEqual(pub.book.snapshot());
  });

  it('a pushed snapshot with seq 2^53-2 is not trusted over the live stream', () => {
    const { pub, mirror, step } = setup();
    const fake = new TestPublisher();
    fake.publish([lvl('bid', 1, 1)]);
    expect(mirror.onMessage(forged(fake.snapshot(0), { seq: 2 ** 53 - 2 }))).toBe('suspect');
    expect(mirror.book.sizeAt('bid', 1)).toBe(0);
    mirror.onMessage(pub.snapshot());
    expect(mirror.onMessage(step())).toBe('applied');
    expect(mirror.book.snapshot()).toEqual(pub.book.snapshot());
  });

  it('a late joiner fooled by a 2^53-2 snapshot distrusts it once the real stream keeps disagreeing', () => {
    const pub = new TestPublisher();
    const requests: SnapshotReason[] = [];
    const mirror = new BookMirror(pub.exchange, pub.symbol, pub.format, { onNeedSnapshot: (_m, r) => requests.push(r) });
    for (let i = 0; i < 10; i++) pub.publish([lvl('bid', 900 + i, 5)]);
    const fake = new TestPublisher();
    fake.publish([lvl('bid', 1, 1)]);
    expect(mirror.onMessage(forged(fake.snapshot(0), { seq: 2 ** 53 - 2 }))).toBe('resynced');
    for (let i = 0; i < 40; i++) mirror.onMessage(pub.publish([lvl('ask', 2000 + i, 3)]));
    expect(mirror.counters.distrusted).toBe(1);
    expect(mirror.isLive).toBe(false);
    expect(requests).toContain('suspect');
    expect(mirror.onMessage(pub.snapshot(), true)).toBe('resynced');
    expect(mirror.onMessage(pub.publish([lvl('ask', 3000, 1)]))).toBe('applied');
    expect(mirror.book.snapshot()).toEqual(pub.book.snapshot());
  });

  it('an epoch of 2^32-1 is never adopted; real messages keep applying', () => {
    const { pub, mirror, step } = setup();
    const evil = fakeDelta({ epoch: 2 ** 32 - 1, seq: 6 });
    expect(mirror.onMessage(evil)).toBe('suspect');
    expect(mirror.epoch).toBe(1);
    expect(mirror.onMessage(step())).toBe('applied');
    expect(mirror.book.snapshot()).toEqual(pub.book.snapshot());
  });

  it('a forged epoch inside the step fences the real stream only until the stream outvotes it', () => {
    const { pub, mirror, step } = setup();
    mirror.onMessage(fakeDelta({ epoch: 2, seq: 6 }));
    expect(mirror.epoch).toBe(2);
    let fenced = 0;
    for (let i = 0; i < 40; i++) if (mirror.onMessage(step()) === 'fenced') fenced++;
    expect(fenced).toBeGreaterThanOrEqual(32);
    expect(mirror.counters.distrusted).toBe(1);
    // A stream snapshot merely flagged REPLY is not the authority; the reply to our request is.
    expect(mirror.onMessage(pub.snapshot())).toBe('fenced');
    expect(mirror.onMessage(pub.snapshot(), true)).toBe('resynced');
    expect(mirror.epoch).toBe(1);
    expect(mirror.onMessage(step())).toBe('applied');
    expect(mirror.book.snapshot()).toEqual(pub.book.snapshot());
  });

  it('oversized messages and books are suspect and replaced from a requested snapshot', () => {
    const pub = new TestPublisher();
    const mirror = new BookMirror(pub.exchange, pub.symbol, pub.format, { maxLevelsPerMessage: 10, maxBookDepth: 20 });
    for (let i = 0; i < 3; i++) mirror.onMessage(pub.publish([lvl('bid', 100 + i, 1)]));
    const big = new TestPublisher();
    big.seq = 3;
    expect(mirror.onMessage(big.publish(Array.from({ length: 11 }, (_, i) => lvl('ask', 500 + i, 1))))).toBe('suspect');
    expect(mirror.distrust).toBe(true);
    expect(mirror.onMessage(pub.snapshot(), true)).toBe('resynced');
    for (let i = 0; i < 3; i++) expect(mirror.onMessage(pub.publish(Array.from({ length: 8 }, (_, j) => lvl('ask', 600 + i * 8 + j, 1))))).toBe(i < 2 ? 'applied' : 'suspect');
    expect(mirror.counters.suspect).toBe(2);
  });

  it('buffered deltas far beyond a snapshot are dropped instead of holding the mirror in a hole', () => {
    const pub = new TestPublisher();
    const mirror = new BookMirror(pub.exchange, pub.symbol, pub.format);
    for (let i = 0; i < 5; i++) pub.publish([lvl('bid', 100 + i, 1)]);
    const evil = fakeDelta({ seq: 2 ** 53 - 1 });
    expect(mirror.onMessage(evil)).toBe('buffered'); // a late joiner has no reference yet
    expect(mirror.onMessage(pub.snapshot())).toBe('resynced');
    expect(mirror.isLive).toBe(true);
    expect(mirror.book.snapshot()).toEqual(pub.book.snapshot());
  });
});
