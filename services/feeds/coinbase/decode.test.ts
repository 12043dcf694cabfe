import { decodeCoinbaseFrame, isoToUs } from './decode.js';

describe('decodeCoinbaseFrame', () => {
  it('decodes snapshot, l2update and ticker messages', () => {
    expect(decodeCoinbaseFrame('{"type":"snapshot","product_id":"BAND-GBP","asks":[["14.8024","12.77"]],"bids":[["14.7550","1.00"]]}')).toEqual({
      kind: 'snapshot',
      product: 'BAND-GBP',
      asks: [['14.8024', '12.77']],
      bids: [['14.7550', '1.00']],
    });
    expect(decodeCoinbaseFrame('{"type":"l2update","product_id":"SKL-BTC","changes":[["sell","0.00001306","660.5"],["buy","0.00001300","0.0"]],"time":"2021-04-17T16:43:37.075687Z"}')).toEqual({
      kind: 'l2update',
      product: 'SKL-BTC',
      changes: [
        { side: 'ask', price: '0.00001306', size: '660.5' },
        { side: 'bid', price: '0.00001300', size: '0.0' },
      ],
      timeUs: 1618677817075687,
    });
    expect(decodeCoinbaseFrame('{"type":"ticker","sequence":333938798,"product_id":"BAND-GBP","best_bid":"14.7550","best_ask":"14.8060","time":"2021-04-17T16:43:30.244075Z"}')).toMatchObject({
      kind: 'ticker',
      sequence: 333938798,
      bestBid: '14.7550',
      bestAsk: '14.8060',
    });
    expect(decodeCoinbaseFrame('{"type":"match","product_id":"X"}')).toEqual({ kind: 'other', what: 'match' });
  });

  it('reports bad input by kind and never throws', () => {
    const cases: Array<[string, string]> = [
      ['{"type":"l2update","product_id":"X","changes":[["buy","1.0"', 'truncated'],
      ['', 'malformed'],
      ['{"type":"brand_new","product_id":"X"}', 'unknown-type'],
      ['{"type":"l2update","changes":[]}', 'malformed'],
      ['{"type":"l2update","product_id":"X","changes":[["buy","1.0","-2"]]}', 'negative-size'],
      ['{"type":"l2update","product_id":"X","changes":[["hold","1.0","2"]]}', 'malformed'],
      ['{"type":"l2update","product_id":"X","changes":[["buy",1.0,"2"]]}', 'malformed'],
      ['{"type":"snapshot","product_id":"X","bids":[["1","2"]]}', 'malformed'],
      ['{"type":"ticker","product_id":"X"}', 'malformed'],
      ['{"no_type":1}', 'malformed'],
    ];
    for (const [text, kind] of cases) {
      const f = decodeCoinbaseFrame(text);
      expect(f.kind, text).toBe('problem');
      if (f.kind === 'problem') expect(f.problem.kind, text).toBe(kind);
    }
  });

  it('converts ISO times to epoch microseconds without losing the microseconds', () => {
    expect(isoToUs('2021-04-17T16:43:37.075687Z')).toBe(1618677817075687);
    expect(isoToUs('2021-04-17T16:43:37Z')).toBe(1618677817000000);
    expect(isoToUs('yesterday')).toBe(0);
    expect(isoToUs(12)).toBe(0);
  });
});
