import { runDsm } from '../../test/harness/cli.js';


const dsm = (...args: string[]) => runDsm(args);

describe('dsm bench book (smoke, no timing asserted)', () => {
  it('--json prints one object with the contract fields', async () => {
    const r = await dsm('bench', 'book', '--json', '--events', '3000', '--rounds', '1');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(out).toMatchObject({ events: 3000, rounds: 1, books_agree: true, baseline: expect.stringMatching(/^ccxt OrderBook \d/) });
    for (const k of ['dsm_updates_per_s', 'baseline_updates_per_s', 'ratio']) expect(out[k]).toBeGreaterThan(0);
  });

  it('rejects a bad --events with one line and exit 2', async () => {
    const r = await dsm('bench', 'book', '--events', '0');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--events must be a positive integer, got "0"/);
  });
});
