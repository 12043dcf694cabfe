/**
 * Live sources against real local peers: a WebSocket server on 127.0.0.1 replaying a recorded
 * Kraken session (and dropping the connection to force a reconnect), and MoldUDP64 datagrams
 * sent over loopback UDP.
 */
import dgram from 'node:dgram';
import { readFile } from 'node:fs/promises';
import { WebSocketServer, type WebSocket } from 'ws';
import { encodeItch, stockDirectory } from '../../feeds/itch/codec.js';
import { decodeMoldRequest } from '../../feeds/itch/gap-filler.js';
import { encodeMoldEndOfSession, encodeMoldPacket } from '../../feeds/itch/moldudp64.js';
import type { FeedUpdate } from '../feed-update.js';
import { ItchUdpSource } from '../../feeds/itch/udp-source.js';
import { itchConfigKinds } from '../../feeds/itch/config.js';
import { FeedConnectionSchema } from '../../../config/schema.js';
import { krakenLive } from '../../feeds/kraken/live.js';
import { WebSocketSource } from './websocket.js';
import { KeptBooks } from '../kept-books.js';
import { venueNamed } from '../../feeds/registry.js';

/** An ITCH feed as the config would give it (its defaults), bound to `port` (0: any). */
function itchFeed(fields: { host: string; port: number } & Record<string, unknown>) {
  const parsed = itchConfigKinds[1].parse({ kind: 'itch-moldudp64', ...fields, port: fields.port || 1 });
  return { ...parsed, port: fields.port, exchange: 'NYSE' };
}

/** What the worker owning the symbols does with a decoding source's inputs. */
const keptBooks = () => new KeptBooks((venue, exchange) => venueNamed(venue)?.keeper?.(exchange));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('WebSocket source', () => {
  it('subscribes, publishes book changes, and on a dropped connection reconnects, resubscribes and resyncs', async () => {
    const capture = await readFile('services/feeds/samples/captures/kraken-book-2021-04-17.ws.txt', 'utf8');
    // Frames for one pair, as the server sent them: subscription status, snapshot, updates.
    const frames = capture.split('\n').filter((l) => /^\d/.test(l)).map((l) => l.slice(l.indexOf(': ') + 2)).filter((f) => f.includes('"XMR/USD"')).slice(0, 60);
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((r) => wss.once('listening', r));
    const port = (wss.address() as { port: number }).port;
    const subscribes: string[] = [];
    let connections = 0;
    wss.on('connection', (ws: WebSocket) => {
      connections++;
      const first = connections === 1;
      ws.on('message', (d) => {
        subscribes.push(d.toString());
        // First connection: half the session, then the server vanishes. Second: the whole session.
        for (const f of first ? frames.slice(0, 30) : frames) ws.send(f);
        if (first) setTimeout(() => ws.terminate(), 50);
      });
    });
    const src = new WebSocketSource(krakenLive({ url: `ws://127.0.0.1:${port}`, pairs: ['XMR/USD'], depth: 1000, exchange: 'KRAKEN' }), 'KRAKEN', FeedConnectionSchema.parse({ reconnect: { baseMs: 20, jitterMs: 5 } }));
    const got: FeedUpdate[] = [];
    const done = (async () => { for await (const u of src.updates()) got.push(u); })();
    for (let i = 0; i < 100 && connections < 2; i++) await sleep(20);
    await sleep(300);
    src.stop();
    await done;
    wss.close();
    expect(connections).toBe(2);
    expect(subscribes.map((s) => JSON.parse(s) as { event: string; pair: string[] })).toEqual([
      { event: 'subscribe', pair: ['XMR/USD'], subscription: { name: 'book', depth: 1000 } },
      { event: 'subscribe', pair: ['XMR/USD'], subscription: { name: 'book', depth: 1000 } },
    ].map((x) => expect.objectContaining({ event: x.event, pair: x.pair })));
    const snapshots = got.filter((u) => u.kind === 'snapshot');
    expect(snapshots).toHaveLength(2);
    expect(got.every((u) => u.exchange === 'KRAKEN' && u.symbol === 'XMR/USD')).toBe(true);
    expect(got.filter((u) => u.kind === 'delta').length).toBeGreaterThan(10);
    expect(src.stats.resyncs).toBe(1);
    // Each XMR/USD snapshot holds one absurd ask (99999997 at 8 decimals, beyond 2^53 scaled): skipped and counted.
    expect(src.stats.malformed).toBe(2);
  });
});

describe('ITCH over MoldUDP64 source', () => {
  it('builds books from datagrams and counts a sequence gap', async () => {
    const src = new ItchUdpSource(itchFeed({ host: '127.0.0.1', port: 0 }));
    const port = await src.listen();
    const got: FeedUpdate[] = [];
    const kept = keptBooks();
    const done = (async () => { for await (const u of src.updates()) kept.take(u, (_s, x) => got.push(x), false); })();
    const h = (ts: number, locate = 1) => ({ stockLocate: locate, trackingNumber: 0, timestampNs: ts });
    const msgs = [
      stockDirectory(1, 'IBM', 1),
      { type: 'A' as const, ...h(2), orderRef: 1, side: 'B' as const, shares: 100, stock: 'IBM', price: 1_500_000 },
      { type: 'A' as const, ...h(3), orderRef: 2, side: 'S' as const, shares: 50, stock: 'IBM', price: 1_501_000 },
      { type: 'E' as const, ...h(4), orderRef: 1, executedShares: 40, matchNumber: 1 },
      { type: 'D' as const, ...h(5), orderRef: 2 },
    ].map(encodeItch);
    const sock = dgram.createSocket('udp4');
    const send = (b: Uint8Array) => new Promise<void>((r) => sock.send(b, port, '127.0.0.1', () => r()));
    await send(encodeMoldPacket('SESSION001', 1, msgs.slice(0, 3)));
    // Sequence 4 never arrives: the next packet starts at 5.
    await send(encodeMoldPacket('SESSION001', 5, msgs.slice(4)));
    await send(encodeMoldEndOfSession('SESSION001', 6));
    await done;
    sock.close();
    expect(src.stats.gaps).toBe(1);
    expect(got.map((u) => [u.symbol, u.changes])).toEqual([
      ['IBM', [{ side: 'bid', price: 1_500_000, size: 100 }]],
      ['IBM', [{ side: 'ask', price: 1_501_000, size: 50 }]],
      ['IBM', [{ side: 'ask', price: 1_501_000, size: 0 }]],
    ]);
  });

  it('asks the re-request server for a missing range and applies it in order', async () => {
    const h = (ts: number, locate = 1) => ({ stockLocate: locate, trackingNumber: 0, timestampNs: ts });
    const msgs = [
      stockDirectory(1, 'IBM', 1),
      { type: 'A' as const, ...h(2), orderRef: 1, side: 'B' as const, shares: 100, stock: 'IBM', price: 1_500_000 },
      { type: 'A' as const, ...h(3), orderRef: 2, side: 'S' as const, shares: 50, stock: 'IBM', price: 1_501_000 },
      // Sequence 4 is lost on the wire: without it the execution at 5 hits an order never seen.
      { type: 'A' as const, ...h(4), orderRef: 3, side: 'B' as const, shares: 70, stock: 'IBM', price: 1_499_000 },
      { type: 'E' as const, ...h(5), orderRef: 3, executedShares: 20, matchNumber: 1 },
      { type: 'D' as const, ...h(6), orderRef: 2 },
    ].map(encodeItch);
    // The re-request server: answers each request with the asked-for messages, from its own socket.
    const server = dgram.createSocket('udp4');
    await new Promise<void>((r) => server.bind(0, '127.0.0.1', () => r()));
    const requests: Array<{ sequence: number; count: number }> = [];
    let ignoreFirst = true;
    server.on('message', (buf, rinfo) => {
      const req = decodeMoldRequest(buf)!;
      requests.push({ sequence: req.sequence, count: req.count });
      // The first request is lost too: the source must ask again.
      if (ignoreFirst) { ignoreFirst = false; return; }
      server.send(encodeMoldPacket(req.session, req.sequence, msgs.slice(req.sequence - 1, req.sequence - 1 + req.count)), rinfo.port, rinfo.address);
    });
    const src = new ItchUdpSource(itchFeed({
      host: '127.0.0.1', port: 0,
      rerequest: { host: '127.0.0.1', port: (server.address()).port }, rerequestTimeoutMs: 100,
      connection: { recovery: { baseMs: 20, maxMs: 200, jitterMs: 10 } },
    }));
    const port = await src.listen();
    const got: FeedUpdate[] = [];
    const kept = keptBooks();
    const done = (async () => { for await (const u of src.updates()) kept.take(u, (_s, x) => got.push(x), false); })();
    const sock = dgram.createSocket('udp4');
    const send = (b: Uint8Array) => new Promise<void>((r) => sock.send(b, port, '127.0.0.1', () => r()));
    await send(encodeMoldPacket('SESSION001', 1, msgs.slice(0, 3)));
    await send(encodeMoldPacket('SESSION001', 5, msgs.slice(4, 6)));
    await send(encodeMoldEndOfSession('SESSION001', 7));
    await done;
    sock.close();
    server.close();
    expect(requests).toEqual([{ sequence: 4, count: 1 }, { sequence: 4, count: 1 }]);
    expect(src.stats.gaps).toBe(1);
    expect(src.feed.summary()).toMatchObject({ retransmitted: 1, lost: 0, missing_messages: 0, unknown_orders: 0, end_of_session: true });
    // The source decodes only; the one book is the keeper's (in an ingest, the owning worker's).
    expect(src.feed.books.size).toBe(0);
    const book = kept.book('NYSE', 'IBM')!;
    expect(book.top('bid', 5)).toEqual([[1_500_000, 100], [1_499_000, 50]]);
    expect(book.top('ask', 5)).toEqual([]);
    expect(got.map((u) => u.changes)).toEqual([
      [{ side: 'bid', price: 1_500_000, size: 100 }],
      [{ side: 'ask', price: 1_501_000, size: 50 }],
      [{ side: 'bid', price: 1_499_000, size: 70 }],
      [{ side: 'bid', price: 1_499_000, size: 50 }],
      [{ side: 'ask', price: 1_501_000, size: 0 }],
    ]);
  });
});
