/** Paced publishing for tests: a known rate held by the wall clock, not by timer accuracy. */
import type { NatsConnection } from 'nats';

export interface Load {
  /** Messages published so far. */
  sent(): number;
  setRate(perSecond: number): void;
  stop(): Promise<void>;
}

export function publishAtRate(nc: NatsConnection, subject: string, perSecond: number, payloadBytes = 64): Load {
  const payload = new Uint8Array(payloadBytes).fill(7);
  let rate = perSecond;
  let sent = 0;
  let owed = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    owed += ((now - last) / 1000) * rate;
    last = now;
    const n = Math.floor(owed);
    owed -= n;
    try {
      for (let i = 0; i < n; i++) nc.publish(subject, payload);
      sent += n;
    } catch {
      // The connection closed under us (test ending or failing): stop rather than throw from a timer.
      clearInterval(timer);
    }
  }, 5);
  return {
    sent: () => sent,
    setRate: (r) => void (rate = r),
    async stop() {
      clearInterval(timer);
      if (!nc.isClosed()) await nc.flush();
    },
  };
}
