/**
 * A hot-standby ingest member: an IngestService that starts as a warm standby (books kept,
 * nothing published) and publishes only while it holds the lease. On promotion it republishes
 * the standby output of the takeover window (see PublisherCore), so subscribers that the old
 * leader served up to the fault see duplicates, not a gap.
 */
import { connectAs } from '../../nats/connect.js';
import type { NatsConnection } from 'nats';
import { IngestService, type IngestOptions } from '../service.js';
import { LeaderLease } from './leader-lease.js';

export interface HaIngestOptions extends Omit<IngestOptions, 'publishing' | 'epoch'> {
  group: string;
  publisherId: string;
}

export class HaIngest {
  readonly ingest: IngestService;
  private lease: LeaderLease | undefined;
  private nc: NatsConnection | undefined;
  epoch = 0;
  leader = false;
  lastReplayed = 0;

  constructor(private readonly opts: HaIngestOptions) {
    this.ingest = new IngestService({ ...opts, publishing: false, epoch: 0 });
  }

  async start(): Promise<void> {
    await this.ingest.start();
    const { config, tlsDir, servers } = this.opts;
    this.nc = await connectAs(config, this.opts.identity ?? 'ingest', { tlsDir, name: `${this.opts.publisherId}-lease`, ...(servers ? { servers } : {}) });
    // Replay what could have gone missing: the lease timeout plus a heartbeat of slack.
    const window = config.ingest.heartbeatMs * (config.ingest.missedHeartbeats + 2);
    this.lease = new LeaderLease({
      config, nc: this.nc, group: this.opts.group, id: this.opts.publisherId,
      onAction: (a) => {
        this.epoch = a.epoch;
        if (a.kind === 'promote') {
          this.leader = true;
          this.ingest.promote(a.epoch, window);
        } else {
          this.leader = false;
          this.ingest.demote();
        }
      },
    }).start();
  }

  async stop(): Promise<void> {
    this.lease?.stop();
    await this.nc?.close().catch(() => undefined);
    await this.ingest.stop();
  }
}
