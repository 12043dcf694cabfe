import { LeaseMachine, MAX_EPOCH, MAX_EPOCH_STEP } from './lease-machine.js';

const opts = (id: string) => ({ id, heartbeatMs: 100, missed: 3 });

describe('LeaseMachine', () => {
  it('takes the lease after missed heartbeats, with an epoch above any seen', () => {
    const a = new LeaseMachine(opts('a'), 0);
    expect(a.tick(299)).toBeUndefined();
    a.onHeartbeat({ id: 'b', epoch: 6, leader: false }, 100);
    expect(a.tick(300)).toEqual({ kind: 'promote', epoch: 7 });
    expect(a.leader).toBe(true);
    expect(a.heartbeat()).toEqual({ id: 'a', epoch: 7, leader: true });
  });

  it('stays standby while the leader heartbeats, and takes over when it stops', () => {
    const b = new LeaseMachine(opts('b'), 0);
    for (let t = 0; t <= 1000; t += 100) {
      b.onHeartbeat({ id: 'a', epoch: 3, leader: true }, t);
      expect(b.tick(t)).toBeUndefined();
    }
    expect(b.holder()).toBe('a');
    expect(b.tick(1299)).toBeUndefined();
    expect(b.tick(1300)).toEqual({ kind: 'promote', epoch: 4 });
    expect(b.holder()).toBe('b');
  });

  it('resolves two leaders: the higher (epoch, id) keeps the lease', () => {
    const a = new LeaseMachine(opts('a'), 0);
    const b = new LeaseMachine(opts('b'), 0);
    expect(a.tick(300)).toEqual({ kind: 'promote', epoch: 1 });
    expect(b.tick(300)).toEqual({ kind: 'promote', epoch: 1 });
    expect(a.onHeartbeat(b.heartbeat(), 301)).toEqual({ kind: 'demote', by: 'b', epoch: 1 });
    expect(b.onHeartbeat(a.heartbeat(), 301)).toBeUndefined();
    expect([a.leader, b.leader]).toEqual([false, true]);
  });

  it('a returning old leader does not take the lease back', () => {
    const old = new LeaseMachine(opts('z'), 5000);
    old.onHeartbeat({ id: 'a', epoch: 9, leader: true }, 5050);
    expect(old.tick(5100)).toBeUndefined();
    expect(old.leader).toBe(false);
  });
});

describe('LeaseMachine against forged heartbeats', () => {
  it('refuses an epoch far beyond the group, and an absurd one, without stepping down', () => {
    const a = new LeaseMachine(opts('a'), 0);
    expect(a.tick(300)).toEqual({ kind: 'promote', epoch: 1 });
    expect(a.judge({ id: 'zzz', epoch: 2 ** 32 - 1, leader: true })).toMatch(/outside/);
    expect(a.onHeartbeat({ id: 'zzz', epoch: 2 ** 32 - 1, leader: true }, 301)).toBeUndefined();
    expect(a.judge({ id: 'zzz', epoch: 1 + MAX_EPOCH_STEP + 1, leader: true })).toMatch(/jumps/);
    expect(a.onHeartbeat({ id: 'zzz', epoch: 18, leader: true }, 302)).toBeUndefined();
    expect(a.leader).toBe(true);
    // A takeover it slept through (a few epochs ahead) is still obeyed.
    expect(a.onHeartbeat({ id: 'b', epoch: 4, leader: true }, 303)).toEqual({ kind: 'demote', by: 'b', epoch: 4 });
  });

  it('a standby never takes an epoch beyond MAX_EPOCH, so epochs stay inside u32', () => {
    const b = new LeaseMachine(opts('b'), 0);
    b.onHeartbeat({ id: 'a', epoch: MAX_EPOCH, leader: true }, 0);
    expect(b.judge({ id: 'a', epoch: MAX_EPOCH + 1, leader: true })).toMatch(/outside/);
    expect(b.tick(1000)!.epoch).toBeLessThan(2 ** 32 - 1);
  });
});
