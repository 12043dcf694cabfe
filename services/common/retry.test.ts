import { AbortedError, Backoff, backoffDelay, retry, sleep } from './retry.js';

describe('retry helper', () => {
  it('grows exponentially to the cap, with full or additive jitter', () => {
    const top = () => 0.999999;
    expect([0, 1, 2, 3, 10].map((a) => backoffDelay(a, { baseMs: 100, maxMs: 500, jitter: 'full', random: top }))).toEqual([99, 199, 399, 499, 499]);
    expect([0, 1, 5].map((a) => backoffDelay(a, { baseMs: 100, maxMs: 1000, jitter: 50, random: () => 0.5 }))).toEqual([125, 225, 1025]);
    expect(backoffDelay(10_000, { baseMs: 100, maxMs: 1000, jitter: 0 })).toBe(1000);
    const b = new Backoff({ baseMs: 10, maxMs: 1000, jitter: 0 });
    expect([b.next(), b.next(), b.next()]).toEqual([10, 20, 40]);
    b.reset();
    expect(b.next()).toBe(10);
  });

  it('retries until success, stops on a non-retryable error, and throws the last error when out of retries', async () => {
    const waits: number[] = [];
    const o = { baseMs: 10, maxMs: 100, jitter: 0, sleep: (ms: number) => { waits.push(ms); return Promise.resolve(); } };
    let n = 0;
    await expect(retry(async () => { if (++n < 3) throw new Error(`no ${n}`); return 'ok'; }, { ...o, retries: 5 })).resolves.toBe('ok');
    expect(waits).toEqual([10, 20]);
    await expect(retry(() => Promise.reject(new Error('fatal')), { ...o, retries: 5, retryable: () => false })).rejects.toThrow('fatal');
    n = 0;
    await expect(retry(async () => { throw new Error(`no ${++n}`); }, { ...o, retries: 2 })).rejects.toThrow('no 3');
  });

  it('is cancelled by its AbortSignal, also in the middle of a wait', async () => {
    const ac = new AbortController();
    const p = retry(() => Promise.reject(new Error('down')), { baseMs: 60_000, maxMs: 60_000, jitter: 0, retries: Infinity, signal: ac.signal });
    setTimeout(() => ac.abort(), 20);
    const t0 = Date.now();
    await expect(p).rejects.toBeInstanceOf(AbortedError);
    expect(Date.now() - t0).toBeLessThan(5_000);
    await expect(sleep(10, ac.signal)).rejects.toBeInstanceOf(AbortedError);
  });
});
