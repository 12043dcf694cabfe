import fc from 'fast-check';
import { SubjectTokenError, dataSubject, decodeSubjectToken, encodeSubjectToken, parseDataSubject } from './subject.js';

const SAFE = /^[A-Za-z0-9_\-~]+$/;

describe('subject tokens', () => {
  it('passes plain symbols through and escapes the rest', () => {
    expect(encodeSubjectToken('AAPL')).toBe('AAPL');
    expect(encodeSubjectToken('BRK.B')).toBe('BRK~2EB');
    expect(encodeSubjectToken('BRK_B')).toBe('BRK_B');
    expect(encodeSubjectToken('BRK~2EB')).toBe('BRK~7E2EB');
    expect(encodeSubjectToken('XBT/USD')).toBe('XBT~2FUSD');
    expect(encodeSubjectToken('A B*>')).toBe('A~20B~2A~3E');
    expect(encodeSubjectToken('é')).toBe('~C3~A9');
  });

  it('builds and parses data subjects', () => {
    expect(dataSubject('NYSE', 'BRK.B')).toBe('NYSE.BRK~2EB.orderbook');
    expect(dataSubject('KRAKEN', 'XBT/USD', 'trades')).toBe('KRAKEN.XBT~2FUSD.trades');
    expect(parseDataSubject('NYSE.BRK~2EB.orderbook')).toEqual({ exchange: 'NYSE', symbol: 'BRK.B', suffix: 'orderbook' });
    expect(parseDataSubject('NYSE.BRK.B.orderbook')).toBeUndefined();
    expect(parseDataSubject('NYSE.BRK~2eB.orderbook')).toBeUndefined();
    expect(() => dataSubject('ny.se', 'A')).toThrow(SubjectTokenError);
    expect(() => dataSubject('NYSE', 'A', 'a.b')).toThrow(SubjectTokenError);
  });

  it('rejects tokens the encoder cannot produce', () => {
    for (const bad of ['', 'A.B', 'A~2', 'A~2e', 'A~41', '~FF', 'A B', 'A*']) {
      expect(() => decodeSubjectToken(bad), bad).toThrow(SubjectTokenError);
    }
    expect(() => encodeSubjectToken('')).toThrow(SubjectTokenError);
    expect(() => encodeSubjectToken('a\uD800b')).toThrow(SubjectTokenError);
  });

  it('round-trips any well-formed string and never emits forbidden characters', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', minLength: 1 }), (s) => {
        const t = encodeSubjectToken(s);
        expect(t).toMatch(SAFE);
        expect(decodeSubjectToken(t)).toBe(s);
      }),
      { numRuns: 2000 },
    );
  });

  it('is injective: distinct symbols give distinct tokens, including escape-looking ones', () => {
    const tricky = fc.string({ unit: fc.constantFrom('B', '.', '_', '~', '2', 'E', 'e', '7', ' ', '*', '>', 'é'), minLength: 1, maxLength: 8 });
    fc.assert(
      fc.property(tricky, tricky, (a, b) => {
        fc.pre(a !== b);
        expect(encodeSubjectToken(a)).not.toBe(encodeSubjectToken(b));
      }),
      { numRuns: 5000 },
    );
  });
});
