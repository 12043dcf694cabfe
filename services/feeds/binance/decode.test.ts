import { decodeBinanceFrame, decodeBinanceSnapshot, symbolFromDepthUrl } from './decode.js';

describe('decodeBinanceFrame', () => {
  it('decodes a combined-stream depthUpdate keeping the strings', () => {
    const f = decodeBinanceFrame(
      '{"stream":"nknusdt@depth@100ms","data":{"e":"depthUpdate","E":1633998512568,"s":"NKNUSDT","U":499869753,"u":499869754,"b":[["0.35170000","4265.00000000"]],"a":[["0.35290000","10968.00000000"]]}}',
    );
    expect(f).toEqual({
      kind: 'depth',
      symbol: 'NKNUSDT',
      firstId: 499869753,
      finalId: 499869754,
      eventTimeMs: 1633998512568,
      bids: [['0.35170000', '4265.00000000']],
      asks: [['0.35290000', '10968.00000000']],
    });
  });

  it('recognises bookTicker by shape and ignores trade and kline streams', () => {
    expect(decodeBinanceFrame('{"stream":"x@bookTicker","data":{"u":499869768,"s":"NKNUSDT","b":"0.35210000","B":"672.00000000","a":"0.35260000","A":"3199.00000000"}}')).toEqual({
      kind: 'bookTicker',
      symbol: 'NKNUSDT',
      updateId: 499869768,
      bid: ['0.35210000', '672.00000000'],
      ask: ['0.35260000', '3199.00000000'],
    });
    expect(decodeBinanceFrame('{"stream":"x@aggTrade","data":{"e":"aggTrade","s":"X"}}')).toEqual({ kind: 'other', what: 'aggTrade' });
    expect(decodeBinanceFrame('{"stream":"x@kline_1m","data":{"e":"kline","s":"X"}}')).toEqual({ kind: 'other', what: 'kline' });
  });

  it('reports bad input by kind and never throws', () => {
    const cases: Array<[string, string]> = [
      ['{"stream":"a","data":{"e":"depthUpdate"', 'truncated'],
      ['<html>', 'malformed'],
      ['{"e":"somethingNew","s":"X"}', 'unknown-type'],
      ['{"e":"depthUpdate","s":"X","U":5,"u":4,"b":[],"a":[]}', 'malformed'],
      ['{"e":"depthUpdate","s":"X","U":1,"u":2,"b":[["1.0","-3.0"]],"a":[]}', 'negative-size'],
      ['{"e":"depthUpdate","s":"X","U":1,"u":2,"b":[["abc","3.0"]],"a":[]}', 'malformed'],
      ['{"e":"depthUpdate","s":"X","U":1,"u":2,"b":"nope","a":[]}', 'malformed'],
      ['[1,2,3]', 'malformed'],
      ['null', 'malformed'],
    ];
    for (const [text, kind] of cases) {
      const f = decodeBinanceFrame(text);
      expect(f.kind, text).toBe('problem');
      if (f.kind === 'problem') expect(f.problem.kind, text).toBe(kind);
    }
  });
});

describe('decodeBinanceSnapshot', () => {
  it('reads lastUpdateId and levels; rejects bodies without them', () => {
    expect(decodeBinanceSnapshot('{"lastUpdateId":7,"bids":[["1.00000000","2.00000000"]],"asks":[]}')).toEqual({ lastUpdateId: 7, bids: [['1.00000000', '2.00000000']], asks: [] });
    expect(decodeBinanceSnapshot('{"code":-1121,"msg":"Invalid symbol."}')).toMatchObject({ kind: 'malformed' });
    expect(decodeBinanceSnapshot('{"lastUpdateId":7,"bids":[["1","-2"]],"asks":[]}')).toMatchObject({ kind: 'negative-size' });
  });

  it('takes the symbol from the request URL', () => {
    expect(symbolFromDepthUrl('https://api.binance.com/api/v3/depth?symbol=NKNUSDT&limit=1000')).toBe('NKNUSDT');
    expect(symbolFromDepthUrl('https://api.binance.com/api/v3/depth?limit=1000&symbol=btcusdt')).toBe('BTCUSDT');
    expect(symbolFromDepthUrl('https://api.binance.com/api/v3/depth')).toBeUndefined();
  });
});
