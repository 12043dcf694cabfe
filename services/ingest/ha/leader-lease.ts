/**
 * The leader lease over NATS core: every member heartbeats on `_DSM.lease.<group>` and runs the
 * LeaseMachine on what it hears. Promotion and demotion are handed to the ingest service, which
 * switches its shards between publishing and warm standby.
 */
import type { NatsConnection, Subscription } from 'nats';
import { z } from 'zod';
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

/** A heartbeat as members publish it; anything else on the lease subject is refused. */
const HeartbeatSchema = z.object({
  id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  epoch: z.number().int().nonnegative(),
  leader: z.boolean(),
}).strict();

export class LeaderLease {
  readonly machine: LeaseMachine;
  private sub: Subscription | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly subject: string;
  private readonly log = childLogger('lease');
  /** Heartbeats refused (malformed, or an epoch the protocol could not have produced). */
  refused = 0;
  private lastRefusalLogMs = 0;

  constructor(private readonly opts: LeaderLeaseOptions) {
    const { heartbeatMs, missedHeartbeats } = opts.config.ingest;
    this.machine = new LeaseMachine({ id: opts.id, heartbeatMs, missed: missedHeartbeats }, performance.now());
    this.subject = leaseSubject(subjectScheme(opts.config), opts.group);
  }

  start(): this {
    this.sub = this.opts.nc.subscribe(this.subject, {
      callback: (_e, m) => {
        let raw: unknown;
        try { raw = JSON.parse(dec.decode(m.data)); } catch { raw = undefined; }
        const parsed = HeartbeatSchema.safeParse(raw);
        if (!parsed.success) return this.refuse(m.data, 'not a lease heartbeat');
        const hb: Heartbeat = parsed.data;
        if (hb.id === this.opts.id) return;
        const why = this.machine.judge(hb);
        if (why) return this.refuse(m.data, why);
        this.act(this.machine.onHeartbeat(hb, performance.now()));
      },
    });
    this.timer = setInterval(() => {
      this.act(this.machine.tick(performance.now()));
      this.beat();
    }, this.opts.config.ingest.heartbeatMs);
    return this;
  }

  /** Logged at error (at most once a second, with the running count): someone forges the lease. */
  private refuse(data: Uint8Array, reason: string): void {
    this.refused++;
    const now = performance.now();
    if (now - this.lastRefusalLogMs < 1000) return;
    this.lastRefusalLogMs = now;
    this.log.error({ member: this.opts.id, reason, refused: this.refused, heartbeat: dec.decode(data.subarray(0, 200)) }, 'refused a lease heartbeat');
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
