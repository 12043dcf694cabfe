import { describe, expect, it } from 'vitest';
import { Membership, type GroupHeartbeat } from './membership.js';
import { subjectMatches, Universe } from './universe.js';

const universe = new Set(Array.from({ length: 60 }, (_, i) => `NYSE.S${i}.orderbook`));
const hb = (member: string, live: Iterable<string> = [], leaving = false): GroupHeartbeat => ({ v: 1, group: 'g', member, seq: 0, leaving, live: [...live], partial: false });
const opts = (member: string) => ({ member, timeoutMs: 600, handoverMs: 1000 });

describe('group membership', () => {
  it('two members computing independently own disjoint sets covering the universe', () => {
    const a = new Membership(opts('a'));
    const b = new Membership(opts('b'));
    a.onHeartbeat(hb('b'), 0);
    b.onHeartbeat(hb('a'), 0);
    const pa = a.plan(universe, 0);
    const pb = b.plan(universe, 0);
    expect(pa.release).toEqual([]);
    expect(new Set([...pa.gain, ...pb.gain])).toEqual(universe);
    expect(pa.gain.filter((s) => pb.gain.includes(s))).toEqual([]);
    expect(a.onHeartbeat(hb('a'), 0)).toBe(false); // own echo
  });

  it('a loser keeps a symbol until its new owner reports it live, or the hand-over times out', () => {
    const a = new Membership(opts('a'));
    expect(a.plan(universe, 0).gain.length).toBe(60);
    expect(a.onHeartbeat(hb('b'), 10)).toBe(true);
    const p = a.plan(universe, 10);
    expect(p.gain).toEqual([]);
    expect(p.release).toEqual([]); // b is not live on anything yet
    const lost = [...a.held].filter((s) => a.owner(s) === 'b');
    expect(lost.length).toBeGreaterThan(10);
    expect(a.handingOver).toBe(lost.length);
    // b goes live on half of them: exactly those are released.
    const half = lost.slice(0, Math.floor(lost.length / 2));
    a.onHeartbeat(hb('b', half), 100);
    expect(a.plan(universe, 100).release.sort()).toEqual([...half].sort());
    // The rest are released when the hand-over bound passes, even without b.
    a.onHeartbeat(hb('b', half), 500);
    expect(a.plan(universe, 1009).release).toEqual([]);
    expect(a.plan(universe, 1010).release.sort()).toEqual(lost.slice(half.length).sort());
    expect(a.stats.handoverTimeouts).toBe(lost.length - half.length);
    expect(a.handingOver).toBe(0);
  });

  it('a silent member is dropped after the timeout and its symbols are taken', () => {
    const a = new Membership(opts('a'));
    a.onHeartbeat(hb('b'), 0);
    a.plan(universe, 0);
    const mine = a.held.size;
    expect(a.expire(600)).toEqual([]);
    expect(a.expire(601)).toEqual(['b']);
    expect(a.plan(universe, 601).gain.length).toBe(60 - mine);
    expect(a.held.size).toBe(60);
  });

  it('an announced leaver leaves the member list at once; a leaving member hands everything over', () => {
    const a = new Membership(opts('a'));
    const b = new Membership(opts('b'));
    a.onHeartbeat(hb('b'), 0);
    b.onHeartbeat(hb('a'), 0);
    a.plan(universe, 0);
    b.plan(universe, 0);
    b.leave();
    expect(b.members()).toEqual(['a']);
    expect(a.onHeartbeat(hb('b', b.held, true), 5)).toBe(true);
    expect(a.members()).toEqual(['a']);
    const gained = a.plan(universe, 5).gain;
    expect(gained.sort()).toEqual([...b.held].sort());
    expect(b.plan(universe, 6).release).toEqual([]);
    b.onHeartbeat(hb('a', a.held), 7);
    expect(b.plan(universe, 7).release.length).toBe(gained.length);
    expect(b.held.size).toBe(0);
  });

  it('a book the loser never had live is let go at once (nobody is served from it)', () => {
    const a = new Membership(opts('a'));
    a.plan(universe, 0);
    a.onHeartbeat(hb('b'), 1);
    const lost = [...a.held].filter((s) => a.owner(s) === 'b');
    const dead = new Set(lost.slice(0, 3));
    expect(a.plan(universe, 2, (s) => !dead.has(s)).release.sort()).toEqual([...dead].sort());
    expect(a.handingOver).toBe(lost.length - 3);
  });

  it('symbols that leave the universe are released at once', () => {
    const a = new Membership(opts('a'));
    a.plan(universe, 0);
    const smaller = new Set([...universe].slice(10));
    expect(a.plan(smaller, 1).release.length).toBe(10);
  });
});

describe('universe', () => {
  it('matches NATS wildcards', () => {
    expect(subjectMatches('NYSE.*.orderbook', 'NYSE.A.orderbook')).toBe(true);
    expect(subjectMatches('NYSE.*.orderbook', 'NASDAQ.A.orderbook')).toBe(false);
    expect(subjectMatches('NYSE.>', 'NYSE.A.orderbook')).toBe(true);
    expect(subjectMatches('NYSE.>', 'NYSE')).toBe(false);
    expect(subjectMatches('*.*.orderbook', 'NYSE.A.orderbook')).toBe(true);
    expect(subjectMatches('NYSE.A.orderbook', 'NYSE.A.orderbook')).toBe(true);
    expect(subjectMatches('NYSE.A', 'NYSE.A.orderbook')).toBe(false);
  });

  it('adds only covered symbols, encoded as subjects, once', () => {
    const u = new Universe(['NYSE.*.orderbook'], 'orderbook');
    expect(u.add('NYSE', ['IBM', 'BRK.B', 'IBM'])).toBe(2);
    expect(u.add('NASDAQ', ['AAPL'])).toBe(0);
    expect([...u.subjects()]).toEqual(['NYSE.IBM.orderbook', 'NYSE.BRK~2EB.orderbook']);
    expect(u.nameOf('NYSE.BRK~2EB.orderbook')).toEqual(['NYSE', 'BRK.B']);
  });
});
