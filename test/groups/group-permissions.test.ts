/**
 * The group control subjects against the real servers' permissions: an identity joins and hears
 * only groups under its own name (`_DSM.group.<identity>.<group>`), hears symbol announcements
 * only for the exchanges it is licensed for, may acknowledge tuning but not publish it, and a
 * forged or malformed heartbeat on its own group is refused by the members, not obeyed.
 */
import type { NatsConnection, Subscription } from 'nats';
import { startTestCluster, type TestCluster } from '../harness/cluster.js';
import { Subscriber } from '../../services/subscriber/subscriber.js';
import { GroupMember } from '../../services/subscriber/group/member.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function subError(sub: Subscription): Promise<string> {
  return (async () => { try { for await (const _ of sub) { /* drain */ } return 'ended'; } catch (e) { return (e as Error).message; } })();
}

async function publishError(nc: NatsConnection, subject: string): Promise<string> {
  const err = (async () => { for await (const s of nc.status()) if (s.type === 'error') return String(s.data); return 'closed'; })();
  nc.publish(subject, new TextEncoder().encode('{}'));
  await nc.flush();
  return Promise.race([err, sleep(2000).then(() => 'allowed')]);
}

describe('subscriber group permissions and validation', () => {
  let tc: TestCluster;
  beforeAll(async () => { tc = await startTestCluster(); }, 60_000);
  afterAll(async () => { await tc?.stop(); });

  it('scopes group subjects to the identity and announcements to licensed exchanges', async () => {
    const nyse = await tc.connect('subscriber-nyse');
    expect(await publishError(nyse, '_DSM.group.subscriber-nyse.g1')).toBe('allowed');
    // Another identity's group: neither publish nor subscribe.
    expect(await publishError(await tc.connect('subscriber-nyse'), '_DSM.group.subscriber.g1')).toBe('PERMISSIONS_VIOLATION');
    expect(await subError(nyse.subscribe('_DSM.group.subscriber.g1'))).toMatch(/permissions violation for subscription to "_DSM\.group\.subscriber\.g1"/i);
    expect(await subError(nyse.subscribe('_DSM.group.>'))).toMatch(/permissions violation/i);
    // Announcements: NYSE yes, NASDAQ no.
    const own = nyse.subscribe('_DSM.symbols.NYSE');
    await nyse.flush();
    expect(own.isClosed()).toBe(false);
    expect(await subError(nyse.subscribe('_DSM.symbols.NASDAQ'))).toMatch(/permissions violation/i);
    // Tuning: acknowledge yes, publish settings no.
    const sub = await tc.connect('subscriber');
    expect(await publishError(sub, '_DSM.tune.ack.subscriber-x')).toBe('allowed');
    expect(await publishError(await tc.connect('subscriber'), '_DSM.tune.client')).toBe('PERMISSIONS_VIOLATION');
  }, 60_000);

  it('members refuse malformed heartbeats and ignore another group\'s', async () => {
    const cfg = tc.config;
    let member!: GroupMember;
    const sub = await new Subscriber({ config: cfg, tlsDir: tc.tlsDir, identity: 'subscriber', subjects: [], accept: (e, s) => member.accepts(e, s) }).start();
    member = await new GroupMember({ config: cfg, subscriber: sub, identity: 'subscriber', group: 'g1', member: 'a', patterns: ['*.*.orderbook'] }).start();
    const owned = member.membership.held.size;
    expect(owned).toBe(member.universe.size);
    const rogue = await tc.connect('subscriber');
    const enc = (v: unknown) => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));
    rogue.publish('_DSM.group.subscriber.g1', enc('not json'));
    rogue.publish('_DSM.group.subscriber.g1', enc({ v: 1, group: 'g1', member: 'x'.repeat(200), seq: 0, live: [] }));
    rogue.publish('_DSM.group.subscriber.g1', enc({ v: 1, group: 'g1', member: 'b', seq: -1, live: [] }));
    rogue.publish('_DSM.group.subscriber.g1', enc({ v: 1, group: 'other', member: 'c', seq: 0, live: [] }));
    await rogue.flush();
    await sleep(300);
    expect(member.stats.heartbeatsRefused).toBe(4);
    expect(member.membership.members()).toEqual(['a']);
    expect(member.membership.held.size).toBe(owned);
    member.stop();
    await sub.close();
  }, 60_000);

  it('a heartbeat too large for one message lists only recent gains, marked partial', async () => {
    // Short hand-over and heartbeat, so "recent" passes quickly.
    const cfg = { ...tc.config, groups: { ...tc.config.groups, heartbeatMs: 50, handoverMs: 20 } };
    const ops = await tc.connect('ops');
    const beats: Array<{ live: string[]; partial: boolean }> = [];
    ops.subscribe('_DSM.group.subscriber.big', { callback: (_e, m) => beats.push(JSON.parse(m.string())) });
    await ops.flush();
    let member!: GroupMember;
    const sub = await new Subscriber({ config: cfg, tlsDir: tc.tlsDir, identity: 'subscriber', subjects: [], accept: (e, s) => member.accepts(e, s) }).start();
    member = await new GroupMember({ config: cfg, subscriber: sub, identity: 'subscriber', group: 'big', member: 'a', patterns: ['*.*.orderbook'], maxHeartbeatBytes: 64 }).start();
    await sleep(800);
    member.stop();
    await sub.close();
    expect(beats.length).toBeGreaterThan(5);
    expect(beats.every((b) => b.partial)).toBe(true);
    // Nothing publishes here, so no book goes live: the lists are empty either way; what matters
    // is that the member kept heartbeating (it was not silently dropped) and said it was partial.
    expect(member.stats.partialHeartbeats).toBeGreaterThan(5);
  }, 60_000);
});
