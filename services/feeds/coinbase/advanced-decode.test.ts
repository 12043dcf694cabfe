import fc from 'fast-check';
import { decodeAdvancedFrame } from './advanced-decode.js';

// Shapes as Coinbase documents them (docs.cdp.coinbase.com, Advanced Trade WebSocket channels).
const SNAPSHOT = '{"channel":"l2_data","client_id":"","timestamp":"2023-02-09T20:32:50.714964855Z","sequence_num":0,"events":[{"type":"snapshot","product_id":"BTC-USD","updates":[{"side":"bid","event_time":"1970-01-01T00:00:00Z","price_level":"21921.73","new_quantity":"0.06317902"},{"side":"offer","event_time":"1970-01-01T00:00:00Z","price_level":"21921.3","new_quantity":"0.02"}]}]}';
const UPDATE = '{"channel":"l2_data","client_id":"","timestamp":"2023-02-09T20:32:51.000001Z","sequence_num":7,"events":[{"type":"update","product_id":"ETH-USD","updates":[{"side":"offer","event_time":"2023-02-09T20:32:50.9Z","price_level":"1550.5","new_quantity":"0"}]}]}';

describe('decodeAdvancedFrame', () => {
  it('decodes l2_data snapshots and updates, keeping the strings as sent (offer is the ask side)', () => {
    expect(decodeAdvancedFrame(SNAPSHOT)).toEqual({
      kind: 'l2',
      seq: 0,
      timeUs: 1675974770714964,
      events: [{ type: 'snapshot', product: 'BTC-USD', levels: [{ side: 'bid', price: '21921.73', size: '0.06317902' }, { side: 'ask', price: '21921.3', size: '0.02' }] }],
    });
    expect(decodeAdvancedFrame(UPDATE)).toEqual({
      kind: 'l2', seq: 7, timeUs: 1675974771000001,
      events: [{ type: 'update', product: 'ETH-USD', levels: [{ side: 'ask', price: '1550.5', size: '0' }] }],
    });
  });

  it('decodes heartbeats and subscriptions, which take sequence numbers too', () => {
    expect(decodeAdvancedFrame('{"channel":"heartbeats","client_id":"","timestamp":"2023-06-23T20:31:56.121961769Z","sequence_num":3,"events":[{"current_time":"2023-06-23 20:31:56.121961769 +0000 UTC m=+91717.525857105","heartbeat_counter":3049}]}'))
      .toEqual({ kind: 'heartbeat', seq: 3, counter: 3049 });
    expect(decodeAdvancedFrame('{"channel":"heartbeats","sequence_num":4,"events":[{"heartbeat_counter":"3050"}]}')).toEqual({ kind: 'heartbeat', seq: 4, counter: 3050 });
    expect(decodeAdvancedFrame('{"channel":"subscriptions","client_id":"","timestamp":"2023-02-09T20:32:50Z","sequence_num":1,"events":[{"subscriptions":{"level2":["BTC-USD","ETH-USD"],"heartbeats":["heartbeats"]}}]}'))
      .toEqual({ kind: 'subscriptions', seq: 1, subscriptions: { level2: ['BTC-USD', 'ETH-USD'], heartbeats: ['heartbeats'] } });
    expect(decodeAdvancedFrame('{"channel":"market_trades","sequence_num":9,"events":[]}')).toEqual({ kind: 'other', seq: 9, channel: 'market_trades' });
    expect(decodeAdvancedFrame('{"type":"error","message":"failure to subscribe"}')).toEqual({ kind: 'error', message: 'failure to subscribe' });
  });

  it('reports bad input by kind, with the sequence number whenever the envelope was readable, and never throws', () => {
    const l2 = (event: string) => `{"channel":"l2_data","sequence_num":5,"events":[${event}]}`;
    const cases: Array<[string, string, number | undefined]> = [
      ['{"channel":"l2_data","sequence_num":5,"events":[{"type":"upd', 'truncated', undefined],
      ['', 'malformed', undefined],
      ['[1,2]', 'malformed', undefined],
      ['{"sequence_num":5,"events":[]}', 'malformed', 5],
      ['{"channel":"l2_data","sequence_num":-1,"events":[]}', 'malformed', undefined],
      ['{"channel":"l2_data","sequence_num":1.5,"events":[]}', 'malformed', undefined],
      ['{"channel":"l2_data","sequence_num":5}', 'malformed', 5],
      [l2('{"type":"delta","product_id":"X","updates":[]}'), 'unknown-type', 5],
      [l2('{"type":"update","updates":[]}'), 'malformed', 5],
      [l2('{"type":"update","product_id":"X"}'), 'malformed', 5],
      [l2('{"type":"update","product_id":"X","updates":[{"side":"buy","price_level":"1","new_quantity":"1"}]}'), 'malformed', 5],
      [l2('{"type":"update","product_id":"X","updates":[{"side":"bid","price_level":1,"new_quantity":"1"}]}'), 'malformed', 5],
      [l2('{"type":"update","product_id":"X","updates":[{"side":"bid","price_level":"1","new_quantity":"-1"}]}'), 'negative-size', 5],
      [l2('{"type":"update","product_id":"X","updates":[{"side":"bid","price_level":"1e3","new_quantity":"1"}]}'), 'malformed', 5],
      [l2('7'), 'malformed', 5],
    ];
    for (const [text, kind, seq] of cases) {
      const f = decodeAdvancedFrame(text);
      expect(f.kind, text).toBe('problem');
      if (f.kind === 'problem') {
        expect(f.problem.kind, text).toBe(kind);
        expect(f.seq, text).toBe(seq);
      }
    }
  });

  it('keeps a "__proto__" channel name in subscriptions a plain key', () => {
    const f = decodeAdvancedFrame('{"channel":"subscriptions","sequence_num":1,"events":[{"subscriptions":{"__proto__":["x"],"level2":[1,"BTC-USD"]}}]}');
    expect(f.kind).toBe('subscriptions');
    if (f.kind === 'subscriptions') {
      expect(Object.getPrototypeOf(f.subscriptions)).toBe(Object.prototype);
      expect(f.subscriptions.level2).toEqual(['BTC-USD']);
    }
  });

  it('never throws on arbitrary input, nor on mutations of a real frame', () => {
    fc.assert(fc.property(fc.string(), (s) => { decodeAdvancedFrame(s); }), { numRuns: 2000 });
    fc.assert(fc.property(fc.nat(SNAPSHOT.length), fc.string({ maxLength: 4 }), (i, ins) => { decodeAdvancedFrame(SNAPSHOT.slice(0, i) + ins + SNAPSHOT.slice(i + 1)); }), { numRuns: 2000 });
    fc.assert(fc.property(fc.jsonValue(), (v) => { decodeAdvancedFrame(JSON.stringify({ channel: 'l2_data', sequence_num: 1, events: [v] })); }), { numRuns: 1000 });
  });
});
