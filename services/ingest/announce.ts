/**
 * The ingest's symbol announcement: every interval, per exchange, the symbols it has published
 * on `_DSM.symbols.<EXCHANGE>`. Subscriber groups add them to their universe, so a group on
 * `NYSE.*.orderbook` also divides symbols that appear after it started.
 */
import type { NatsConnection } from 'nats';
import { z } from 'zod';
import type { DsmConfig } from '../../config/schema.js';
import { childLogger } from '../common/log.js';
import { subjectScheme, symbolsSubject } from '../nats/subjects.js';

/** Bounded so a forged or runaway announcement cannot balloon a member's universe. */
export const MAX_ANNOUNCED_SYMBOLS = 100_000;

export const SymbolAnnouncementSchema = z.object({
  exchange: z.string().regex(/^[A-Z0-9_-]+$/),
  symbols: z.array(z.string().min(1).max(128)).max(MAX_ANNOUNCED_SYMBOLS),
  publisherId: z.string().min(1).max(128),
  at: z.number(),
});
export type SymbolAnnouncement = z.infer<typeof SymbolAnnouncementSchema>;

export class SymbolAnnouncer {
  private timer: NodeJS.Timeout | undefined;
  private readonly log = childLogger('announce');

  constructor(
    private readonly nc: NatsConnection,
    private readonly cfg: DsmConfig,
    private readonly publisherId: string,
    /** exchange -> symbols published so far. */
    private readonly symbols: () => ReadonlyMap<string, Iterable<string>>,
  ) {}

  start(intervalMs = this.cfg.groups.announceIntervalMs): this {
    this.announce();
    this.timer = setInterval(() => this.announce(), intervalMs);
    this.timer.unref();
    return this;
  }

  announce(): number {
    const s = subjectScheme(this.cfg);
    let n = 0;
    for (const [exchange, syms] of this.symbols()) {
      const list = [...syms].slice(0, MAX_ANNOUNCED_SYMBOLS);
      if (list.length === 0) continue;
      const a: SymbolAnnouncement = { exchange, symbols: list, publisherId: this.publisherId, at: Date.now() };
      try {
        this.nc.publish(symbolsSubject(s, exchange), JSON.stringify(a));
        n++;
      } catch (err) {
        this.log.warn({ err: String(err), exchange }, 'symbol announcement not published');
      }
    }
    return n;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
