import { decodeKrakenFrame } from './decode.js';

describe('decodeKrakenFrame', () => {
  it('decodes a snapshot with the depth from the channel name and the exchange strings kept', () => {
    const f = decodeKrakenFrame('[1360,{"as":[["0.000022900","13355.87450757","1618678123.481570"]],"bs":[["0.000022890","31.75709827","1618678132.136369"]]},"book-1000","ADA/XBT"]');
    expect(f).toEqual({
      kind: 'snapshot',
      pair: 'ADA/XBT',
      depth: 1000,
      asks: [['0.000022900', '13355.87450757']],
      bids: [['0.000022890', '31.75709827']],
      tsUs: 1618678132136369,
    });
  });

  it('merges an update split over two objects, takes the checksum and counts republished levels', () => {
    const f = decodeKrakenFrame(
      '[992,{"a":[["354.80000000","0.00000000","1618678134.1"]]},{"b":[["354.15000000","5.00000000","1618678134.2","r"]],"c":"2583817756"},"book-10","XMR/USD"]',
    );
    expect(f).toMatchObject({ kind: 'update', pair: 'XMR/USD', depth: 10, asks: [['354.80000000', '0.00000000']], bids: [['354.15000000', '5.00000000']], checksum: '2583817756', republished: 1 });
  });

  it('passes events through as "other" and reports bad frames as problems', () => {
    expect(decodeKrakenFrame('{"event":"heartbeat"}')).toEqual({ kind: 'other', what: 'heartbeat' });
    expect(decodeKrakenFrame('[1,{"a":[]},"trade","XBT/USD"]')).toEqual({ kind: 'other', what: 'trade' });
    const cases: Array<[string, string]> = [
      ['[1,{"a":[["1.0","2.0","3"]]', 'truncated'],
      ['not json', 'malformed'],
      ['{"no":"event"}', 'unknown-type'],
      ['[1,{"x":1},"book-10","XBT/USD"]', 'unknown-type'],
      ['[1,{"a":[["1.0","-2.0","3"]]},"book-10","XBT/USD"]', 'negative-size'],
      ['[1,{"a":[["1.0","2.0","3"]],"c":"abc"},"book-10","XBT/USD"]', 'malformed'],
      ['[1,"x","book-10","XBT/USD"]', 'malformed'],
      ['[1,{"a":[[1.0,"2.0"]]},"book-10","XBT/USD"]', 'malformed'],
    ];
    for (const [text, kind] of cases) {
      const f = decodeKrakenFrame(text);
      expect(f.kind, text).toBe('problem');
      if (f.kind === 'problem') expect(f.problem.kind, text).toBe(kind);
    }
  });
});
