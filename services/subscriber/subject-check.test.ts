import fc from 'fast-check';
import type { Msg } from 'nats';
import { dataSubject } from '../marketdata/subject.js';
import { WireEncoder } from '../wire/index.js';
import { rawSubject, SubjectPayloadCheck } from './subject-check.js';

const enc = new WireEncoder({ mode: 'reuse' });
const payload = (exchange: string, symbol: string) =>
  enc.encodeDelta({ exchange, symbol, format: { priceDecimals: 2, sizeDecimals: 0 }, epoch: 1, seq: 1, exchSeq: 1, exchTsUs: 0, recvMonoNs: 0, flags: 0 }, [{ side: 'bid', price: 1, size: 1 }]).slice();
const bytes = (s: string) => new TextEncoder().encode(s);

describe('SubjectPayloadCheck', () => {
  const check = new SubjectPayloadCheck();

  it('accepts the subject the publisher would use and refuses every other book', () => {
    for (const sym of ['AAPL', 'BRK.B', 'BRK~2EB', 'XBT/USD', 'a b*>', 'é', '日本', 'x_y-z']) {
      const p = payload('NYSE', sym);
      expect(check.matches(dataSubject('NYSE', sym, 'orderbook'), p)).toBe(true);
      expect(check.matchesBytes(bytes(dataSubject('NYSE', sym, 'orderbook')), bytes(dataSubject('NYSE', sym, 'orderbook')).length, p)).toBe(true);
      expect(check.matches(dataSubject('NASDAQ', sym, 'orderbook'), p)).toBe(false);
      expect(check.matches(dataSubject('NYSE', `${sym}X`, 'orderbook'), p)).toBe(false);
    }
    const p = payload('NYSE', 'BRK.B');
    // Not the canonical token, an extra token, a missing one, lowercase hex, the raw dot.
    for (const s of ['NYSE.BRK.B.orderbook', 'NYSE.BRK~2eB.orderbook', 'NYSE.BRK~2EB.orderbook.x', 'NYSE.BRK~2EB', 'NYSE.BRK~2E.orderbook', 'NYS.BRK~2EB.orderbook']) {
      expect(check.matches(s, p), s).toBe(false);
    }
  });

  it('agrees with decoding the subject and comparing names, for any names', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Z0-9_-]{1,8}$/), fc.string({ minLength: 1, maxLength: 12 }), fc.string({ minLength: 1, maxLength: 12 }), fc.boolean(), (ex, a, b, same) => {
        fc.pre(!/\p{Cs}/u.test(a) && !/\p{Cs}/u.test(b));
        const sym = same ? a : b;
        expect(check.matches(dataSubject(ex, sym, 'orderbook'), payload(ex, a))).toBe(sym === a);
      }),
      { numRuns: 300 },
    );
  });

  it('reads the subject bytes nats.js keeps on a message (no string per message)', async () => {
    // The installed nats.js must expose them, or the check silently falls back to msg.subject.
    const fake = { _msg: { subject: bytes('NYSE.AAPL.orderbook') }, get subject(): string { throw new Error('decoded the subject'); }, data: payload('NYSE', 'AAPL') } as unknown as Msg;
    expect(check.matchesMsg(fake)).toBe(true);
    const { MsgImpl } = (await import('nats/lib/nats-base-client/msg.js')) as unknown as { MsgImpl: new (msg: unknown, data: Uint8Array, publisher: unknown) => Msg };
    const real = new MsgImpl({ subject: bytes('NYSE.AAPL.orderbook'), sid: 1, size: 0, hdr: -1 }, payload('NYSE', 'AAPL'), {});
    expect(rawSubject(real)).toEqual(bytes('NYSE.AAPL.orderbook'));
    expect(check.matchesMsg(real)).toBe(true);
  });
});
