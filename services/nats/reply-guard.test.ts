import { loadConfig } from '../../config/load.js';
import { judgeReplySubject } from './reply-guard.js';

describe('judgeReplySubject', () => {
  const cfg = loadConfig('local');
  it.each([
    ['_INBOX.subscriber.abc123.7', 'NASDAQ', true],
    ['_INBOX.ops.abc', 'NASDAQ', true],
    ['_INBOX.subscriber-nyse.abc', 'NYSE', true],
    ['_INBOX.subscriber-nyse.abc', 'NASDAQ', false], // not entitled to the book asked for
    ['NYSE.AAPL.orderbook', 'NASDAQ', false],
    ['_DSM.lease.ingest', 'NASDAQ', false],
    ['_DSM.tune.client', 'NASDAQ', false],
    ['_INBOX.nobody.abc', 'NASDAQ', false],
    ['_INBOX.subscriber', 'NASDAQ', false],
    ['_INBOX.subscriber.*', 'NASDAQ', false],
    ['_INBOX.subscriber.>', 'NASDAQ', false],
    ['', 'NASDAQ', false],
    [undefined, 'NASDAQ', false],
  ])('reply %s for %s -> %s', (reply, exchange, ok) => {
    expect(judgeReplySubject(cfg, reply, exchange).ok).toBe(ok);
  });
});
