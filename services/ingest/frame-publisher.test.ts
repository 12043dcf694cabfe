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

  it('falls back to publish (and its errors) once the connection drains or closes', async () => {
    const nc = await tc.connect('ingest', { servers: [tc.clientUrls[0]!] });
    const frames = new FramePublisher(nc);
    const closed = nc.close();
    expect(() => frames.publish('NYSE.AAPL.orderbook', pubPrefix('NYSE.AAPL.orderbook'), Uint8Array.of(1))).toThrow();
    await closed;
  });
});
