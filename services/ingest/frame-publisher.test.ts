import type { NatsConnection } from 'nats';
import { startTestCluster, type TestCluster } from '../../test/harness/cluster.js';
import { FramePublisher, pubPrefix } from './frame-publisher.js';

describe('FramePublisher on a real cluster', () => {
  let tc: TestCluster;
  let pub: NatsConnection;
  let sub: NatsConnection;

  beforeAll(async () => {
    tc = await startTestCluster();
    pub = await tc.connect('ingest', { servers: [tc.clientUrls[0]!] });
    sub = await tc.connect('ops', { servers: [tc.clientUrls[0]!] });
  });
  afterAll(async () => {
    await pub?.close();
    await sub?.close();
    await tc?.stop();
  });

  it('writes PUB frames through the installed nats.js (no publish per message) and keeps every byte and the order', async () => {
    const frames = new FramePublisher(pub);
    // If a nats.js upgrade moves its internals this fails, instead of silently publishing the slow way.
    expect(frames.framing).toBe(true);
    const got: Array<{ subject: string; data: number[] }> = [];
    const done = new Promise<void>((resolve) => {
      sub.subscribe('NYSE.*.orderbook', { callback: (_e, m) => { got.push({ subject: m.subject, data: [...m.data] }); if (got.length === 3002) resolve(); } });
    });
    await sub.flush();
    const published = pub.stats().outMsgs;
    const direct = pub.publish.bind(pub);
    let directCalls = 0;
    pub.publish = (...a: Parameters<NatsConnection['publish']>) => { directCalls++; direct(...a); };
    const want: Array<{ subject: string; data: number[] }> = [];
    const subjects = ['NYSE.AAPL.orderbook', 'NYSE.BRK~2EB.orderbook'];
    for (let i = 0; i < 3000; i++) {
      const subject = subjects[i % 2]!;
      // Sizes across the digit boundaries, and past one 64 KiB slab in all.
      const data = Uint8Array.from({ length: [0, 9, 10, 99, 100, 1000][i % 6]! }, (_, k) => (i + k) & 0xff);
      frames.publish(subject, pubPrefix(subject), data);
      want.push({ subject, data: [...data] });
      if (i === 1500) {
        // A direct publish in between: what was framed before it goes first.
        frames.handOver();
        direct('NYSE.X.orderbook', Uint8Array.of(1, 2, 3));
        want.push({ subject: 'NYSE.X.orderbook', data: [1, 2, 3] });
      }
    }
    frames.handOver();
    direct('NYSE.Y.orderbook', Uint8Array.of(4));
    want.push({ subject: 'NYSE.Y.orderbook', data: [4] });
    await done;
    expect(directCalls).toBe(0);
    expect(got).toEqual(want);
    expect(pub.stats().outMsgs - published).toBe(3002);
  });

  it('reuses its slab once the socket has written what was handed over: 4 MB in turns, a handful of slabs, every byte intact', async () => {
    const frames = new FramePublisher(pub);
    const total = 4_000;
    let seen = 0;
    let bad = 0;
    const done = new Promise<void>((resolve) => {
      sub.subscribe('NYSE.REUSE.orderbook', { callback: (_e, m) => {
        const i = seen++;
        // Every message carries its own index in every byte: an overwritten slab region shows here.
        if (m.data.length !== 1000 || m.data.some((b) => b !== (i & 0xff))) bad++;
        if (seen === total) resolve();
      } });
    });
    await sub.flush();
    const prefix = pubPrefix('NYSE.REUSE.orderbook');
    for (let i = 0; i < total; i++) {
      frames.publish('NYSE.REUSE.orderbook', prefix, new Uint8Array(1000).fill(i & 0xff));
      // Event-loop turns as a feed's arrive: the socket writes in between.
      if (i % 40 === 39) await new Promise((r) => setTimeout(r, 1));
    }
    frames.handOver();
    await done;
    expect(bad).toBe(0);
    // 4 MB through 256 KiB slabs: without reuse, 16 or more.
    expect(frames.slabsMade).toBeLessThanOrEqual(4);
  });

  it('holds on to a few slabs at most while the socket stays busy (a burst written in one turn)', async () => {
    const frames = new FramePublisher(pub);
    const payload = new Uint8Array(1000);
    // 20 MB in one turn: no write can complete in between, so no slab can be reused.
    for (let i = 0; i < 20_000; i++) frames.publish('NYSE.BURST.orderbook', pubPrefix('NYSE.BURST.orderbook'), payload);
    frames.handOver();
    const held = (frames as unknown as { retired: Uint8Array[]; spare: Uint8Array[] });
    expect(frames.slabsMade).toBeGreaterThan(40);
    expect(held.retired.length + held.spare.length).toBeLessThanOrEqual(16);
    await pub.flush();
  });

  it('falls back to publish (and its errors) once the connection drains or closes', async () => {
    const nc = await tc.connect('ingest', { servers: [tc.clientUrls[0]!] });
    const frames = new FramePublisher(nc);
    const closed = nc.close();
    expect(() => frames.publish('NYSE.AAPL.orderbook', pubPrefix('NYSE.AAPL.orderbook'), Uint8Array.of(1))).toThrow();
    await closed;
  });
});
