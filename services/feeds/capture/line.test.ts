import fc from 'fast-check';
import { epochToUs, formatCaptureLine, parseCaptureLine, usToEpoch, type CaptureRecord } from './line.js';

describe('parseCaptureLine', () => {
  it('reads all four line kinds of the capture format', () => {
    expect(parseCaptureLine('1633998512.0633569: {"a":1}')).toEqual({ kind: 'recv', wallUs: 1633998512063356, frame: '{"a":1}' });
    expect(parseCaptureLine('wss://ws.kraken.com <- 1618678132.8253062: {"event":"subscribe"}')).toEqual({
      kind: 'sent',
      url: 'wss://ws.kraken.com',
      wallUs: 1618678132825306,
      frame: '{"event":"subscribe"}',
    });
    expect(parseCaptureLine('wss://ws.kraken.com <-> 1618678132.3858151')).toEqual({ kind: 'open', url: 'wss://ws.kraken.com', wallUs: 1618678132385815 });
    expect(parseCaptureLine('https://api.binance.com/api/v3/depth?symbol=NKNUSDT&limit=1000 -> 1633998512.320639: {"lastUpdateId":1}')).toEqual({
      kind: 'rest',
      url: 'https://api.binance.com/api/v3/depth?symbol=NKNUSDT&limit=1000',
      wallUs: 1633998512320639,
      body: '{"lastUpdateId":1}',
    });
  });

  it('keeps a frame that itself contains ": " intact', () => {
    const r = parseCaptureLine('1.5: {"k": "v: w"}');
    expect(r).toEqual({ kind: 'recv', wallUs: 1_500_000, frame: '{"k": "v: w"}' });
  });

  it('classifies blank and malformed lines instead of throwing', () => {
    expect(parseCaptureLine('')).toEqual({ kind: 'blank' });
    expect(parseCaptureLine('   \r')).toEqual({ kind: 'blank' });
    expect(parseCaptureLine('hello world').kind).toBe('malformed');
    expect(parseCaptureLine('1633998512.06').kind).toBe('malformed');
    expect(parseCaptureLine('wss://x <- 12.5').kind).toBe('malformed');
    expect(parseCaptureLine('wss://x <-> 12.5: payload').kind).toBe('malformed');
    expect(parseCaptureLine('wss://x => 12.5: {}').kind).toBe('malformed');
  });

  it('strips a CRLF line ending', () => {
    expect(parseCaptureLine('2: x\r')).toEqual({ kind: 'recv', wallUs: 2_000_000, frame: 'x' });
  });
});

describe('epoch conversion', () => {
  it('is exact to the microsecond from the digits', () => {
    expect(epochToUs('1618678134.2098181')).toBe(1618678134209818);
    expect(epochToUs('1618678134')).toBe(1618678134000000);
    expect(epochToUs('1618678134.5')).toBe(1618678134500000);
    expect(usToEpoch(1618678134000005)).toBe('1618678134.000005');
  });
});

describe('formatCaptureLine', () => {
  it('round-trips any record whose payload is one line', () => {
    const url = fc.stringMatching(/^[a-z]{2,5}:\/\/[a-z0-9.:/?=&]{1,30}$/);
    const payload = fc.string().filter((s) => !/[\r\n]/.test(s));
    const wallUs = fc.integer({ min: 0, max: 4_000_000_000_000_000 });
    const rec: fc.Arbitrary<CaptureRecord> = fc.oneof(
      fc.record({ kind: fc.constant('recv' as const), wallUs, frame: payload }),
      fc.record({ kind: fc.constant('sent' as const), url, wallUs, frame: payload }),
      fc.record({ kind: fc.constant('open' as const), url, wallUs }),
      fc.record({ kind: fc.constant('rest' as const), url, wallUs, body: payload }),
    );
    fc.assert(
      fc.property(rec, (r) => {
        const line = formatCaptureLine(r);
        expect(line).toBeDefined();
        expect(parseCaptureLine(line!)).toEqual(r);
      }),
    );
  });

  it('refuses payloads with line breaks, which the format cannot carry', () => {
    expect(formatCaptureLine({ kind: 'recv', wallUs: 1, frame: 'a\nb' })).toBeUndefined();
    expect(formatCaptureLine({ kind: 'open', url: 'has space', wallUs: 1 })).toBeUndefined();
  });
});
