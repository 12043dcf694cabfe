/**
 * Live WebSocket venues as feed sources. The venue definition (services/feeds/<venue>/live.ts)
 * says what to subscribe, how frames become book changes and how one book is recovered; this
 * source owns the connection: it reconnects with backoff and jitter after a close, an error or a
 * silence longer than the watchdog allows, and runs each symbol's recovery (RecoveryTracker)
 * whenever the venue sync loses it. A symbol out of sync is published as stale once and nothing
 * else is published for it until its recovery snapshot.
 */
import WebSocket from 'ws';
import type { FeedConnection } from '../../../config/schema.js';
import { Backoff } from '../../common/retry.js';
import { childLogger } from '../../common/log.js';
import { liveStamp } from '../../feeds/capture/stamp.js';
import { keepFrame, type LiveVenue, type RecoveryIo } from '../../feeds/live.js';
import type { SyncResult } from '../../feeds/sync.js';
import { newSourceStats, type FeedUpdate, type SourceStats } from '../feed-update.js';
import type { FeedSource } from './captures.js';
import { PushQueue } from './push-queue.js';
import { RecoveryTracker } from './recovery.js';
import { updatesFromSync } from './venue-updates.js';

export class WebSocketSource implements FeedSource {
  /** Updates carry the receive time of their frame or packet. */
  readonly stampsUpdates = true;
  readonly stats: SourceStats;
  readonly recovery: RecoveryTracker;
  private readonly queue = new PushQueue<FeedUpdate>();
  private ws: WebSocket | undefined;
  private stopped = false;
  private started = false;
  connects = 0;
  watchdogTimeouts = 0;
  private lastFrameAt = 0;
  private watchdog: NodeJS.Timeout | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private readonly reconnect: Backoff;
  /** Set by `run`: updates go straight to the owning worker's engine, in this thread, with the sync's book. */
  private sink: ((u: FeedUpdate) => void) | undefined;
  /** Symbols ever handed on: only those can be published as stale. */
  private readonly published = new Set<string>();
  private readonly log = childLogger('ws-source');

  constructor(readonly venue: LiveVenue, exchange: string, private readonly conn: FeedConnection) {
    this.stats = newSourceStats(`${venue.name}-ws ${venue.url}`, exchange);
    this.reconnect = new Backoff({ ...conn.reconnect, jitter: conn.reconnect.jitterMs });
    const io: RecoveryIo = {
      send: (frame) => {
        if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(frame);
        else this.log.warn({ venue: venue.name }, 'recovery frame not sent: connection not open');
      },
      fetchText: async (url) => {
        const res = await fetch(url, { signal: AbortSignal.timeout(conn.restTimeoutMs) });
        const body = await res.text();
        if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`);
        return body;
      },
      apply: (r) => this.push(r),
      stamp: liveStamp,
    };
    this.recovery = new RecoveryTracker(venue, { backoff: { ...conn.recovery, jitter: conn.recovery.jitterMs }, timeoutMs: conn.recoveryTimeoutMs }, io, (s) => this.pushStale(s));
    this.refreshStats();
  }

  /**
   * Run inside the thread that publishes: every update is handed to `sink` synchronously, as the
   * venue sync produces it, carrying the sync's book (one book per symbol, applied once).
   * Resolves when the source is stopped.
   */
  run(sink: (u: FeedUpdate) => void): Promise<void> {
    this.sink = sink;
    const ended = (async () => { for await (const _ of this.updates()) { /* everything goes to the sink */ } })();
    return ended;
  }

  updates(): AsyncIterable<FeedUpdate> {
    if (!this.started) {
      this.started = true;
      this.connect();
      const period = Math.max(10, Math.min(1000, Math.floor(this.conn.watchdogMs / 4)));
      this.watchdog = setInterval(() => {
        this.checkSilence();
        this.refreshStats();
      }, period);
    }
    return this.queue;
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.watchdog);
    clearTimeout(this.reconnectTimer);
    this.recovery.stop();
    this.ws?.terminate();
    this.refreshStats();
    this.queue.end();
  }

  private push(r: SyncResult): void {
    for (const u of updatesFromSync(r, (s) => this.venue.book(s), 0, this.stats, this.sink !== undefined)) {
      this.published.add(u.symbol);
      this.emit(u);
    }
    let changed = r.problems.length > 0;
    for (const ev of r.events) {
      if (ev.type !== 'l2-snapshot') continue;
      this.recovery.applied(ev.symbol);
      changed = true;
    }
    if (r.problems.length > 0) this.recovery.scan();
    // Counters change only with gaps and snapshots (and a once-a-second tick for time stale): not per frame.
    if (changed) this.refreshStats();
  }

  private pushStale(symbol: string): void {
    if (!this.published.has(symbol)) return;
    const book = this.venue.book(symbol);
    if (!book) return;
    const stamp = liveStamp();
    this.stats.updates++;
    this.emit({ kind: 'stale', exchange: this.stats.exchange, symbol, format: book.format, exchSeq: 0, exchTsUs: 0, recvMonoNs: stamp.recvMonoNs, recvWallUs: stamp.recvWallUs, atUs: 0 });
  }

  private emit(u: FeedUpdate): void {
    if (this.stopped) return;
    if (this.sink) this.sink(u);
    else this.queue.push(u);
  }

  private refreshStats(): void {
    const sync = this.venue.syncStats();
    const health = this.recovery.health();
    this.stats.symbols = health;
    this.stats.gaps = Object.values(health).reduce((a, h) => a + h.gaps, 0);
    this.stats.resyncs = Object.values(health).reduce((a, h) => a + h.recoveries, 0);
    this.stats.connects = this.connects;
    this.stats.watchdogTimeouts = this.watchdogTimeouts;
    // The venue's own notes too (Coinbase Advanced Trade: sequence gaps and messages lost on the connection).
    const notes = [...(sync.checksumChecks ? [`${this.stats.exchange} checksums: ${sync.checksumMatches}/${sync.checksumChecks} matched`] : []), ...(this.venue.notes?.() ?? [])];
    if (notes.length) this.stats.notes = notes;
  }

  private checkSilence(): void {
    const ws = this.ws;
    if (this.stopped || !ws || ws.readyState !== WebSocket.OPEN) return;
    const silentMs = performance.now() - this.lastFrameAt;
    if (silentMs <= this.conn.watchdogMs) return;
    this.watchdogTimeouts++;
    this.log.warn({ venue: this.venue.name, silentMs: Math.round(silentMs), watchdogMs: this.conn.watchdogMs }, 'feed silent past the watchdog; reconnecting');
    // terminate, not close: a stalled peer would never finish the closing handshake.
    ws.terminate();
  }

  private connect(): void {
    if (this.stopped) return;
    const ws = new WebSocket(this.venue.url, { handshakeTimeout: this.conn.connectTimeoutMs });
    this.ws = ws;
    ws.on('open', () => {
      this.connects++;
      this.reconnect.reset();
      this.lastFrameAt = performance.now();
      this.venue.connectionOpened?.();
      for (const f of this.venue.subscribeFrames()) ws.send(f);
      this.recovery.connected();
      this.refreshStats();
    });
    ws.on('message', (data: WebSocket.RawData) => {
      this.lastFrameAt = performance.now();
      this.stats.inputs++;
      const text = Buffer.isBuffer(data) ? data.toString('utf8') : Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data).toString('utf8');
      const out = keepFrame(this.venue, text, liveStamp());
      if (out.malformed) this.stats.malformed++;
      if (out.result) this.push(out.result);
    });
    ws.on('error', (e) => this.log.warn({ venue: this.venue.name, err: e.message }, 'websocket error'));
    ws.on('close', () => {
      if (this.ws !== ws) return;
      this.ws = undefined;
      if (this.stopped) return;
      this.recovery.disconnected();
      this.refreshStats();
      const delay = this.reconnect.next();
      this.log.warn({ venue: this.venue.name, delayMs: delay, attempt: this.reconnect.attempts }, 'disconnected; reconnecting');
      this.reconnectTimer = setTimeout(() => this.connect(), delay);
    });
  }
}
