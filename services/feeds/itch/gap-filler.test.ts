import { HoldingSequencer, decodeMoldRequest, encodeMoldRequest } from './gap-filler.js';
import type { MoldPacket } from './moldudp64.js';

const b = (n: number) => new Uint8Array([n]);
const data = (sequence: number, n: number): MoldPacket => ({ kind: 'data', session: 'S1', sequence, messages: Array.from({ length: n }, (_, i) => b(sequence + i)) });
const seqs = (r: { deliver: Array<{ sequence: number }> }) => r.deliver.map((m) => m.sequence);

describe('HoldingSequencer (MoldUDP64 with retransmission)', () => {
  it('holds messages after a gap, reports it once, and delivers in order when the range is filled', () => {
    const s = new HoldingSequencer();
    expect(seqs(s.accept(data(1, 3)))).toEqual([1, 2, 3]);
    const r = s.accept(data(6, 2));
    expect(seqs(r)).toEqual([]);
    expect(r.gap).toEqual({ from: 4, to: 5 });
    expect(s.accept(data(8, 1)).gap).toBeUndefined();
    expect(seqs(s.accept(data(4, 1)))).toEqual([4]);
    expect(seqs(s.accept(data(4, 2)))).toEqual([5, 6, 7, 8]);
    expect(s.filled).toBe(2);
    expect(s.gap()).toBeUndefined();
  });

  it('learns of a gap from a heartbeat, gives up on it with skip, and ends only when the end is reached', () => {
    const s = new HoldingSequencer();
    s.accept(data(1, 2));
    expect(s.accept({ kind: 'heartbeat', session: 'S1', sequence: 5, messages: [] }).gap).toEqual({ from: 3, to: 4 });
    s.accept({ kind: 'end-of-session', session: 'S1', sequence: 6, messages: [] });
    expect(s.ended).toBe(false);
    expect(seqs(s.accept(data(5, 1)))).toEqual([]);
    expect(s.skip().map((m) => m.sequence)).toEqual([5]);
    expect(s.lost).toBe(2);
    expect(s.ended).toBe(true);
  });

  it('request packets round-trip', () => {
    expect(decodeMoldRequest(encodeMoldRequest('SESSION001', 2 ** 40 + 3, 17))).toEqual({ session: 'SESSION001', sequence: 2 ** 40 + 3, count: 17 });
    expect(() => encodeMoldRequest('S', 1, 0)).toThrow(RangeError);
  });
});
