/**
 * Snapshot request/reply for every book a publisher core owns, on ONE wildcard subscription
 * (`_DSM.snapshot.>`) opened when the core connects. Books used to open a subscription each on
 * their first update: with thousands of symbols that was a burst of SUB protocol and route
 * interest traffic in the middle of publishing, and a Map of subscriptions growing per symbol.
 * Now nothing per symbol happens on the publish path; the request subject is parsed here, on
 * the (rare) request path.
 *
 * With several workers (or a standby), every core receives every request; only the publishing
 * core that owns the symbol (the ingest's stable shard assignment) answers, the others stay
 * silent. The owner of a book it does not hold (nobody publishes it: a made-up symbol) answers
 * with an empty message, so the requester learns at once there is no such book instead of
 * waiting out its timeout (subscribers then forget the book: docs/security.md). A stale book is
 * not answered: the requester retries and the recovery snapshot arrives in the stream.
 *
 * All reply logic lives in `answer`, so where replies may go is decided in one place: only to an
 * inbox of an identity entitled to the exchange (never a data or control subject).
 */
import type { Msg, NatsConnection, Subscription } from 'nats';
import { decodeSubjectToken } from '../marketdata/subject.js';
import { snapshotWildcard, type SubjectScheme } from '../nats/subjects.js';
import type { ReplyVerdict } from '../nats/reply-guard.js';

/** The reply that says "no such book" (a snapshot is never empty: it has at least a header). */
export const NO_SUCH_BOOK = new Uint8Array(0);

export interface SnapshotSource {
  /** The book as encoded snapshot reply parts, or undefined when it is not held or is stale. */
  snapshotReply(exchange: string, symbol: string): Uint8Array[] | undefined;
  /** Whether the book is held at all (stale included). */
  holds(exchange: string, symbol: string): boolean;
}

export interface SnapshotResponderOptions {
  scheme: SubjectScheme;
  source: SnapshotSource;
  /** Only a publishing core answers (a standby keeps warm books but must not speak). */
  isPublishing: () => boolean;
  /** Whether this core owns the symbol (only the owner answers; the others stay silent). */
  owns: (exchange: string, symbol: string) => boolean;
  /** Where the reply may go (services/nats/reply-guard.ts). */
  judgeReply: (reply: string, exchange: string) => ReplyVerdict;
  /** Called with each reply part right before it is sent (the core stamps the publish time). */
  beforeReply?: (payload: Uint8Array) => void;
  onServed?: () => void;
  onRefused?: (subject: string, reply: string, reason: string) => void;
  onBadRequest?: (subject: string, reason: string) => void;
}

/** `_DSM.snapshot.<EXCHANGE>.<TOKEN>` -> exchange and symbol; undefined for anything else. */
export function parseSnapshotSubject(scheme: SubjectScheme, subject: string): { exchange: string; symbol: string } | undefined {
  const prefix = `${scheme.controlPrefix}.snapshot.`;
  if (!subject.startsWith(prefix)) return undefined;
  const rest = subject.slice(prefix.length);
  const dot = rest.indexOf('.');
  if (dot <= 0 || rest.indexOf('.', dot + 1) !== -1) return undefined;
  try {
    return { exchange: rest.slice(0, dot), symbol: decodeSubjectToken(rest.slice(dot + 1)) };
  } catch {
    return undefined;
  }
}

export class SnapshotResponder {
  private readonly sub: Subscription;

  constructor(nc: NatsConnection, private readonly opts: SnapshotResponderOptions) {
    this.sub = nc.subscribe(snapshotWildcard(opts.scheme), { callback: (err, msg) => { if (!err) this.answer(msg); } });
  }

  /** The one place a snapshot reply is decided and sent. */
  private answer(msg: Msg): void {
    if (!msg.reply || !this.opts.isPublishing()) return;
    const target = parseSnapshotSubject(this.opts.scheme, msg.subject);
    if (!target) {
      this.opts.onBadRequest?.(msg.subject, 'not a snapshot subject of one book');
      return;
    }
    if (!this.opts.owns(target.exchange, target.symbol)) return;
    const verdict = this.opts.judgeReply(msg.reply, target.exchange);
    if (!verdict.ok) {
      // Reflection attempt (or a client outside connectAs): never publish there.
      this.opts.onRefused?.(msg.subject, msg.reply, verdict.reason);
      return;
    }
    const parts = this.opts.source.snapshotReply(target.exchange, target.symbol);
    if (!parts) {
      if (!this.opts.source.holds(target.exchange, target.symbol)) msg.respond(NO_SUCH_BOOK);
      return;
    }
    this.opts.onServed?.();
    // Every part goes to the requester's inbox (allow_responses admits that many replies).
    for (const p of parts) {
      this.opts.beforeReply?.(p);
      msg.respond(p);
    }
  }

  close(): void {
    this.sub.unsubscribe();
  }
}
