/**
 * The leader lease over NATS core: every member heartbeats on `_DSM.lease.<group>` and runs the
 * LeaseMachine on what it hears. Promotion and demotion are handed to the ingest service, which
 * switches its shards between publishing and warm standby.
 */
import type { NatsConnection, Subscription } from 'nats';
import type { DsmConfig } from '../../../config/schema.js';
import { childLogger } from '../../common/log.js';
import { leaseSubject, subjectScheme } from '../../nats/subjects.js';
import { LeaseMachine, type Heartbeat, type LeaseAction } from './lease-machine.js';

export interface LeaderLeaseOptions {
  config: DsmConfig;
  nc: NatsConnection;
  group: string;
  id: string;
  onAction: (a: LeaseAction) => void;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

export class LeaderLease {
  readonly machine: LeaseMachine;
  private sub: Subscription | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly subject: string;
  private readonly log = childLogger('lease');

  constructor(private readonly opts: LeaderLeaseOptions) {
    const { heartbeatMs, missedHeartbeats } = opts.config.ingest;
    this.machine = new LeaseMachine({ id: opts.id, heartbeatMs, missed: missedHeartbeats }, performance.now());
    this.subject = leaseSubject(subjectScheme(opts.config), opts.group);
  }

  start(): this {
    this.sub = this.opts.nc.subscribe(this.subject, {
      callback: (_e, m) => {
        let hb: Heartbeat;
        try { hb = JSON.parse(dec.decode(m.data)) as Heartbeat; } catch { return; }
        if (typeof hb?.id !== 'string' || typeof hb.epoch !== 'number') return;
        this.act(this.machine.onHeartbeat(hb, performance.now()));
      },
    });
    this.timer = setInterval(() => {
      this.act(this.machine.tick(performance.now()));
      this.beat();
    }, this.opts.config.ingest.heartbeatMs);
    return this;
  }

  private beat(): void {
    this.opts.nc.publish(this.subject, enc.encode(JSON.stringify(this.machine.heartbeat())));
  }

  private act(a: LeaseAction | undefined): void {
    if (!a) return;
    this.log.warn({ member: this.opts.id, ...a }, a.kind === 'promote' ? 'took the lease' : 'lost the lease');
    this.opts.onAction(a);
    if (a.kind === 'promote') this.beat();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.sub?.unsubscribe();
  }
}
