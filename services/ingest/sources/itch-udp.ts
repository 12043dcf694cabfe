/**
 * Nasdaq TotalView-ITCH 5.0 over MoldUDP64 on UDP as a feed source. The MoldUDP64 sequencer
 * detects gaps by sequence number (counted; a production deployment pairs this with a
 * retransmission request to the exchange's rerequest server, which this source does not do).
 * Each symbol's order-by-order book aggregates into the L2 book whose changes are published.
 */
import dgram from 'node:dgram';
import { ItchFeed } from '../../feeds/itch/feed.js';
import { liveStamp } from '../../feeds/capture/stamp.js';
import { newSourceStats, type FeedUpdate, type SourceStats } from '../feed-update.js';
import type { FeedSource } from './captures.js';
import { PushQueue } from './push-queue.js';

export class ItchUdpSource implements FeedSource {
  readonly stats: SourceStats;
  private readonly queue = new PushQueue<FeedUpdate>();
  private socket: dgram.Socket | undefined;
  readonly feed: ItchFeed;
  private bound: Promise<number> | undefined;

  constructor(private readonly opts: { host: string; port: number; exchange: string }) {
    this.stats = newSourceStats(`itch-moldudp64 udp://${opts.host}:${opts.port}`, opts.exchange);
    this.feed = new ItchFeed({
      exchange: opts.exchange,
      now: liveStamp,
      onEvent: (event, book) => {
        if (!book) return;
        const changes = book.l2.takeDeltas();
        if (!changes.length) return;
        this.stats.updates++;
        this.queue.push({ kind: 'delta', exchange: event.exchange, symbol: event.symbol, format: book.l2.format, exchSeq: event.exchSeq, exchTsUs: event.exchTsUs, recvMonoNs: event.recvMonoNs, recvWallUs: event.recvWallUs, atUs: 0, changes });
      },
    });
  }

  /** Bind the socket; resolves with the port (useful with port 0). */
  listen(): Promise<number> {
    this.bound ??= new Promise((resolve, reject) => {
      const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true });
      this.socket = socket;
      socket.on('message', (packet) => {
        this.stats.inputs++;
        this.feed.handlePacket(packet);
        const s = this.feed.summary();
        this.stats.gaps = s.gaps;
        this.stats.malformed = s.malformed + s.unknown_types;
        if (s.end_of_session) this.stop();
      });
      socket.once('error', reject);
      socket.bind(this.opts.port, this.opts.host, () => resolve(socket.address().port));
    });
    return this.bound;
  }

  updates(): AsyncIterable<FeedUpdate> {
    void this.listen();
    return this.queue;
  }

  stop(): void {
    this.socket?.close();
    this.socket = undefined;
    this.queue.end();
  }
}
