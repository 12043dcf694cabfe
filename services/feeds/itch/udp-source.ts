/**
 * Nasdaq TotalView-ITCH 5.0 over MoldUDP64 on UDP as a feed source. The MoldUDP64 sequencer
 * detects gaps by sequence number. With a re-request server configured, messages after a gap are
 * held and the missing range is requested from that server (from this same socket, so the answer
 * comes back here), again with backoff while it does not arrive, and given up on (counted lost)
 * after `rerequestRetries`. Without one, gaps are counted and skipped.
 * Each symbol's order-by-order book is kept by the worker that owns it (`itch.keeper`).
 */
import dgram from 'node:dgram';
import { childLogger } from '../../common/log.js';
import { Backoff } from '../../common/retry.js';
import type { ItchMoldFeed } from './config.js';
import { ItchFeed } from './feed.js';
import { encodeMoldRequest } from './gap-filler.js';
import { liveStamp } from '../capture/stamp.js';
import { keptInput, newSourceStats, type FeedUpdate, type SourceStats } from '../../ingest/feed-update.js';
import type { FeedSource } from '../../ingest/sources/captures.js';
import { PushQueue } from '../../ingest/sources/push-queue.js';

/** The feed's config (every timing from the config's defaults, none hard-coded here) and its exchange. */
export type ItchUdpOptions = Omit<ItchMoldFeed, 'kind'> & { exchange: string };

export class ItchUdpSource implements FeedSource {
  /** Updates carry the receive time of their frame or packet. */
  readonly stampsUpdates = true;
  readonly stats: SourceStats;
  private readonly queue = new PushQueue<FeedUpdate>();
  private socket: dgram.Socket | undefined;
  readonly feed: ItchFeed;
  private bound: Promise<number> | undefined;
  private readonly log = childLogger('itch-udp');
  /** The gap being re-requested: its first sequence, requests sent, the retry timer. */
  private pending: { from: number; sent: number; timer?: NodeJS.Timeout } | undefined;
  private readonly backoff: Backoff;
  rerequests = 0;

  constructor(private readonly opts: ItchUdpOptions) {
    this.stats = newSourceStats(`itch-moldudp64 udp://${opts.host}:${opts.port}`, opts.exchange);
    const r = opts.connection.recovery;
    this.backoff = new Backoff({ ...r, jitter: r.jitterMs });
    this.feed = new ItchFeed({
      exchange: opts.exchange,
      now: liveStamp,
      holdGaps: opts.rerequest !== undefined,
      // The session (sequence, re-requests) and the directory run here; each order event goes to
      // the worker that owns its symbol, which keeps the one book (ItchBookKeeper).
      keepBooks: false,
      onEvent: (event) => {
        if (event.type === 'status') return;
        const u = keptInput('itch', event.exchange, event.symbol, event, 0);
        u.recvMonoNs = event.recvMonoNs;
        u.recvWallUs = event.recvWallUs;
        this.queue.push(u);
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
        this.afterPacket();
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
    clearTimeout(this.pending?.timer);
    this.pending = undefined;
    this.socket?.close();
    this.socket = undefined;
    this.queue.end();
  }

  private afterPacket(): void {
    const s = this.feed.summary();
    this.stats.gaps = s.gaps;
    this.stats.resyncs = s.retransmitted ?? 0;
    this.stats.malformed = s.malformed + s.unknown_types;
    if (this.opts.rerequest) this.requestGap();
    if (s.end_of_session) this.stop();
  }

  /** Ask for the pending range once per gap, and again with backoff while it does not come. */
  private requestGap(): void {
    const gap = this.feed.pendingGap();
    if (!gap) {
      if (this.pending) {
        clearTimeout(this.pending.timer);
        this.pending = undefined;
        this.backoff.reset();
      }
      return;
    }
    if (this.pending?.from === gap.from) return;
    clearTimeout(this.pending?.timer);
    this.pending = { from: gap.from, sent: 0 };
    this.backoff.reset();
    this.sendRequest();
  }

  private sendRequest(): void {
    const p = this.pending;
    const gap = this.feed.pendingGap();
    const session = this.feed.session;
    if (!p || !gap || !session || !this.socket || !this.opts.rerequest) return;
    if (p.sent >= this.opts.rerequestRetries) {
      this.log.warn({ from: gap.from, to: gap.to, requests: p.sent }, 'MoldUDP64 range never retransmitted; skipping it');
      this.pending = undefined;
      this.feed.skipGap();
      this.afterPacket();
      return;
    }
    const count = Math.min(gap.to - gap.from + 1, this.opts.rerequestMaxCount);
    p.sent++;
    this.rerequests++;
    this.socket.send(encodeMoldRequest(session, gap.from, count), this.opts.rerequest.port, this.opts.rerequest.host, (err) => {
      if (err) this.log.warn({ err: err.message }, 'MoldUDP64 re-request not sent');
    });
    const wait = Math.max(this.opts.rerequestTimeoutMs, this.backoff.next());
    p.timer = setTimeout(() => this.sendRequest(), wait);
    p.timer.unref?.();
  }
}
