import fc from 'fast-check';
import { Flags } from '../wire/layout.js';
import type { WireMessage } from '../wire/message.js';
import { BookMirror, type SnapshotReason } from './book-mirror.js';
import { lvl, TestPublisher } from './test-feed.js';

function mirrorFor(pub: TestPublisher, opts: ConstructorParameters<typeof BookMirror>[3] = {}) {
  const requests: SnapshotReason[] = [];
  const mirror = new BookMirror(pub.exchange, pub.symbol, pub.format, { ...opts, onNeedSnapshot: (_m, reason) => requests.push(reason) });
  return { mirror, requests };
}

/** n deltas that each change one bid and one ask level (sizes grow with seq, so never a no-op). */
function run(pub: TestPublisher, n: number): WireMessage[] {
  return Array.from({ length: n }, () => {
    const i = pub.seq;
    return pub.publish([lvl('bid', 1000 - (i % 7), i + 1), lvl('ask', 1001 + (i % 5), i + 2)]);
  });
}

describe('BookMirror', () => {
  it('a subscriber present from seq 1 goes live without a snapshot', () => {
    const pub = new TestPublisher();
    const { mirror, requests } = mirrorFor(pub);
    for (const m of run(pub, 10)) expect(mirror.onMessage(m)).toBe('applied');
    expect(mirror.state).toBe('live');
    expect(mirror.lastSeq).toBe(10);
    expect(mirror.book.snapshot()).toEqual(pub.book.snapshot());
    expect(requests).toEqual([]);
  });

  it('drops duplicates (same or older sequence) and counts them', () => {
    const pub = new TestPublisher();
    const { mirror } = mirrorFor(pub);
    const [d1, d2, d3] = run(pub, 3) as [WireMessage, WireMessage, WireMessage];
    expect([d1, d2, d2, d1, d3, d3].map((m) => mirror.onMessage(m))).toEqual(['applied', 'applied', 'duplicate', 'duplicate', 'applied', 'duplicate']);
    expect(mirror.counters).toMatchObject({ applied: 3, duplicates: 3, gaps: 0 });
    expect(mirror.book.snapshot()).toEqual(pub.book.snapshot());
  });

  it('gap -> awaiting snapshot (one request) -> resync replays the buffered deltas', () => {
    const pub = new TestPublisher();
    const { mirror, requests } = mirrorFor(pub);
    const ds = run(pub, 3);
    ds.forEach((m) => mirror.onMessage(m));
    run(pub, 1); // seq 4 is lost
    const snapAt4 = pub.snapshot();
    const later = run(pub, 3); // 5, 6, 7
    expect(mirror.onMessage(later[0]!)).toBe('gap');
    expect(mirror.onMessage(later[1]!)).toBe('buffered');
    expect(mirror.onMessage(later[2]!)).toBe('buffered');
    expect(mirror.state).toBe('awaiting-snapshot');
    expect(mirror.needsSnapshot).toBe(true);
    expect(requests).toEqual(['gap']);
    expect(mirror.buffered).toBe(3);

    expect(mirror.onMessage(snapAt4)).toBe('resynced');
    expect(mirror.state).toBe('live');
    expect(mirror.needsSnapshot).toBe(false);
    expect(mirror.lastSeq).toBe(7);
    expect(mirror.buffered).toBe(0);
    expect(mirror.counters).toMatchObject({ gaps: 1, resyncs: 1, applied: 6 });
    expect(mirror.book.snapshot()).toEqual(pub.book.snapshot());
  });

  it('applies a snapshot that is part of the stream (feed re-seed) without counting a resync', () => {
    const pub = new TestPublisher();
    const { mirror, requests } = mirrorFor(pub);
    run(pub, 3).forEach((m) => mirror.onMessage(m));
    pub.book.applySnapshot([[990, 4]], [[1010, 6]]);
    pub.book.takeDeltas();
    pub.seq++; // the ingest publishes the re-seeded book as the next sequence
    expect(mirror.onMessage(pub.snapshot(0))).toBe('resynced');
    expect(mirror.state).toBe('live');
    expect(mirror.counters).toMatchObject({ snapshots: 1, resyncs: 0, gaps: 0 });
    expect(mirror.onMessage(run(pub, 1)[0]!)).toBe('applied');
    expect(mirror.book.snapshot()).toEqual(pub.book.snapshot());
    expect(requests).toEqual([]);
  });

  it('a snapshot newer than part of the buffer drops what it covers', () => {
    const pub = new TestPublisher();
    const { mirror } = mirrorFor(pub);
    const late = run(pub, 6).slice(3); // joins late: sees 4, 5, 6
    late.forEach((m) => expect(mirror.onMessage(m)).toBe('buffered'));
    const snapAt5 = (() => {
      // A publisher replica at seq 5 serves the snapshot.
      const replica = new TestPublisher();
      run(replica, 5);
      return replica.snapshot();
    })();
    expect(mirror.onMessage(snapAt5)).toBe('resynced');
    expect(mirror.lastSeq).toBe(6);
    expect(mirror.counters.applied).toBe(1);
    expect(mirror.book.snapshot()).toEqual(pub.book.snapshot());
  });

  it('a late joiner asks once, and a snapshot that leaves a hole asks again', () => {
    const pub = new TestPublisher();
    const { mirror, requests } = mirrorFor(pub);
    run(pub, 8);
    const early = pub.snapshot(); // seq 8
    run(pub, 1); // 9 never reaches this subscriber
    const [d10, d11] = run(pub, 2) as [WireMessage, WireMessage];
    expect(mirror.onMessage(d10)).toBe('buffered');
    expect(mirror.onMessage(d11)).toBe('buffered');
    expect(requests).toEqual(['late-join']);
    expect(mirror.onMessage(early)).toBe('hole');
    expect(mirror.state).toBe('awaiting-snapshot');
    expect(requests).toEqual(['late-join', 'hole']);
    expect(mirror.onMessage(pub.snapshot())).toBe('resynced');
    expect(mirror.state).toBe('live');
    expect(mirror.lastSeq).toBe(11);
    expect(mirror.book.snapshot()).toEqual(pub.book.snapshot());
    // Two snapshots applied; only the second restored a book that had been in sync.
    expect(mirror.counters).toMatchObject({ snapshots: 2, resyncs: 1 });
  });

  it('the missing delta arriving late heals a gap without a snapshot', () => {
    const pub = new TestPublisher();
    const { mirror } = mirrorFor(pub);
    const [d1, d2, d3] = run(pub, 3) as [WireMessage, WireMessage, WireMessage];
    mirror.onMessage(d1);
    expect(mirror.onMessage(d3)).toBe('gap');
    expect(mirror.onMessage(d2)).toBe('applied');
    expect(mirror.state).toBe('live');
    expect(mirror.lastSeq).toBe(3);
    expect(mirror.book.snapshot()).toEqual(pub.book.snapshot());
    // The snapshot requested meanwhile arrives and is recognised as old news.
    expect(mirror.onMessage(pub.snapshot())).toBe('stale-snapshot');
    expect(mirror.counters.staleSnapshots).toBe(1);
  });

  it('fences a lower epoch and continues the sequence under a higher one', () => {
    const leader = new TestPublisher();
    const { mirror } = mirrorFor(leader);
    leader.epoch = 2;
    run(leader, 3).forEach((m) => mirror.onMessage(m));
    const deposed = new TestPublisher();
    deposed.epoch = 1;
    const rogue = deposed.publish([lvl('bid', 5, 99)]);
    rogue.seq = 4;
    expect(mirror.onMessage(rogue)).toBe('fenced');
    expect(mirror.book.sizeAt('bid', 5)).toBe(0);
    leader.epoch = 3; // the standby takes over and continues the same sequence line
    expect(mirror.onMessage(run(leader, 1)[0]!)).toBe('applied');
    expect(mirror.epoch).toBe(3);
    expect(mirror.counters).toMatchObject({ fenced: 1, gaps: 0, applied: 4 });
    expect(mirror.book.snapshot()).toEqual(leader.book.snapshot());
    const stale = leader.snapshot();
    stale.epoch = 2;
    expect(mirror.onMessage(stale)).toBe('fenced');
  });

  it('accepts a RESET snapshot that restarts the sequence line', () => {
    const old = new TestPublisher();
    const { mirror } = mirrorFor(old);
    run(old, 50).forEach((m) => mirror.onMessage(m));
    const fresh = new TestPublisher();
    fresh.epoch = 2;
    run(fresh, 2);
    expect(mirror.onMessage(fresh.snapshot(Flags.RESET))).toBe('resynced');
    expect(mirror.lastSeq).toBe(2);
    expect(mirror.onMessage(run(fresh, 1)[0]!)).toBe('applied');
    expect(mirror.book.snapshot()).toEqual(fresh.book.snapshot());
  });

  it('keeps its buffer bounded: overflow drops it and waits for a newer snapshot', () => {
    const pub = new TestPublisher();
    const { mirror, requests } = mirrorFor(pub, { maxBufferedDeltas: 5 });
    run(pub, 2);
    const ds = run(pub, 20);
    const outcomes = ds.map((m) => {
      const o = mirror.onMessage(m);
      expect(mirror.buffered).toBeLessThanOrEqual(5);
      return o;
    });
    expect(outcomes.filter((o) => o === 'overflow')).toHaveLength(3);
    expect(mirror.counters.overflowed).toBe(3);
    expect(requests).toEqual(['late-join']);
    // What survived is the newest run (seq 21, 22); a snapshot at 20 chains to it.
    const replica = new TestPublisher();
    run(replica, 20);
    expect(mirror.onMessage(replica.snapshot())).toBe('resynced');
    expect(mirror.lastSeq).toBe(22);
    expect(mirror.book.snapshot()).toEqual(pub.book.snapshot());
  });

  it('bounds buffered levels too', () => {
    const pub = new TestPublisher();
    const { mirror } = mirrorFor(pub, { maxBufferedLevels: 7 });
    run(pub, 1);
    const outcomes = run(pub, 5).map((m) => mirror.onMessage(m)); // 2 levels each
    expect(outcomes).toEqual(['buffered', 'buffered', 'buffered', 'overflow', 'buffered']);
  });

  it('invalidate drops to awaiting and asks for a snapshot', () => {
    const pub = new TestPublisher();
    const { mirror, requests } = mirrorFor(pub);
    run(pub, 3).forEach((m) => mirror.onMessage(m));
    mirror.invalidate();
    expect(mirror.state).toBe('awaiting-snapshot');
    expect(requests).toEqual(['invalidated']);
    run(pub, 2); // lost while the consumer was behind
    expect(mirror.onMessage(run(pub, 1)[0]!)).toBe('buffered');
    expect(mirror.onMessage(pub.snapshot())).toBe('resynced');
    expect(mirror.book.snapshot()).toEqual(pub.book.snapshot());
  });

  it('property: under drops, duplicates, late join and delayed snapshots, live means equal', () => {
    const step = fc.record({
      changes: fc.array(fc.record({ side: fc.constantFrom<'bid' | 'ask'>('bid', 'ask'), price: fc.integer({ min: 1, max: 12 }), size: fc.nat({ max: 3 }) }), { minLength: 1, maxLength: 4 }),
      fate: fc.constantFrom('deliver', 'deliver', 'deliver', 'deliver', 'drop', 'duplicate'),
      snapshotDelay: fc.nat({ max: 4 }),
    });
    const seen = { gaps: 0, snapshots: 0, resyncs: 0, duplicates: 0, overflowed: 0 };
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 80 }), fc.nat({ max: 20 }), fc.integer({ min: 1, max: 30 }), (steps, joinAt, maxBuffered) => {
        const pub = new TestPublisher();
        const history = new Map<number, unknown>([[0, pub.book.snapshot()]]);
        let pendingIn: number | undefined;
        const mirror = new BookMirror(pub.exchange, pub.symbol, pub.format, {
          maxBufferedDeltas: maxBuffered,
          onNeedSnapshot: () => { pendingIn ??= 0; },
        });
        const check = () => {
          if (mirror.isLive) expect(mirror.book.snapshot()).toEqual(history.get(mirror.lastSeq));
        };
        steps.forEach((s, i) => {
          const m = pub.publish(s.changes);
          history.set(pub.seq, pub.book.snapshot());
          if (i >= joinAt) {
            if (s.fate !== 'drop') mirror.onMessage(m);
            if (s.fate === 'duplicate') expect(mirror.onMessage(m)).toBe('duplicate');
          }
          check();
          if (pendingIn !== undefined && pendingIn++ >= s.snapshotDelay) {
            pendingIn = undefined;
            mirror.onMessage(pub.snapshot());
            check();
          }
        });
        if (mirror.needsSnapshot || !mirror.isLive || mirror.lastSeq < pub.seq) mirror.onMessage(pub.snapshot());
        expect(mirror.isLive).toBe(true);
        expect(mirror.book.snapshot()).toEqual(pub.book.snapshot());
        expect(mirror.buffered).toBe(0);
        for (const k of Object.keys(seen) as Array<keyof typeof seen>) seen[k] += mirror.counters[k];
      }),
      { numRuns: 400 },
    );
    // The generator must actually reach every path it claims to cover.
    expect(seen.gaps).toBeGreaterThan(10);
    expect(seen.snapshots).toBeGreaterThan(100);
    expect(seen.resyncs).toBeGreaterThan(10);
    expect(seen.duplicates).toBeGreaterThan(50);
    expect(seen.overflowed).toBeGreaterThan(0);
  });
});

describe('BookMirror under failover (hot standby, issue 8)', () => {
  it('property: a standby with the same events takes over with no gap; a lagging one via one clean resync', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.record({ side: fc.constantFrom<'bid' | 'ask'>('bid', 'ask'), price: fc.integer({ min: 1, max: 9 }), size: fc.nat({ max: 3 }) }), { minLength: 1, maxLength: 3 }), { minLength: 4, maxLength: 40 }),
        fc.nat(),
        fc.integer({ min: -3, max: 3 }),
        fc.nat({ max: 3 }),
        (steps, takeoverPick, standbyOffset, zombie) => {
          // Both ingests consume the same feed, so they produce identical sequences and deltas.
          const leader = new TestPublisher();
          const standby = new TestPublisher();
          standby.epoch = 2;
          const fromLeader = steps.map((c) => leader.publish(c));
          const fromStandby = steps.map((c) => standby.publish(c));
          const k = 1 + (takeoverPick % (steps.length - 1)); // leader delivers seqs 1..k
          // The standby's first delivered seq: <= k+1 overlaps or continues, > k+1 leaves a hole.
          const first = Math.max(1, Math.min(steps.length, k + 1 + standbyOffset));
          const { mirror, requests } = mirrorFor(leader);
          fromLeader.slice(0, k).forEach((m) => mirror.onMessage(m));
          for (let z = 0; z < zombie && k + z < steps.length; z++) {
            // The deposed leader keeps publishing after the standby's first message: fenced.
            if (z === 0) mirror.onMessage(fromStandby[first - 1]!);
            expect(mirror.onMessage(fromLeader[k + z]!)).toBe('fenced');
          }
          fromStandby.slice(first - 1).forEach((m) => mirror.onMessage(m));
          if (first <= k + 1) {
            expect(mirror.counters.gaps).toBe(0);
            expect(requests).toEqual([]);
          } else {
            expect(mirror.counters.gaps).toBe(1);
            expect(requests).toEqual(['gap']);
            expect(mirror.onMessage(standby.snapshot())).toBe('resynced');
          }
          expect(mirror.isLive).toBe(true);
          expect(mirror.lastSeq).toBe(steps.length);
          expect(mirror.epoch).toBe(2);
          expect(mirror.book.snapshot()).toEqual(standby.book.snapshot());
        },
      ),
      { numRuns: 300 },
    );
  });
});
