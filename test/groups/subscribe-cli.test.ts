/** `dsm subscribe --group` usage contract: bad names are usage errors (exit 2), found before connecting. */
import { runDsm } from '../harness/cli.js';

describe('dsm subscribe --group (usage)', () => {
  it('refuses a group or member that is not one subject token', async () => {
    const bad = await runDsm(['subscribe', '--group', 'a.b', '--seconds', '1']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('dsm: --group must be 1-64 of [A-Za-z0-9_-], got "a.b"\n');
    const member = await runDsm(['subscribe', '--group', 'g', '--member', 'x y', '--seconds', '1']);
    expect(member.code).toBe(2);
    expect(member.stderr).toBe('dsm: --member must be 1-64 of [A-Za-z0-9_-], got "x y"\n');
    const interval = await runDsm(['subscribe', '--summary-interval', '5', '--seconds', '1']);
    expect(interval.code).toBe(2);
    expect(interval.stderr).toMatch(/--summary-interval must be an integer >= 100/);
  });

  it('refuses control subjects for a group as for a plain subscriber', async () => {
    const r = await runDsm(['subscribe', '--group', 'g', '_DSM.group.subscriber.g']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/control subject/);
  });
});
