/**
 * Snapshot request/reply for every book a publisher core owns, on ONE wildcard subscription
 * (`_DSM.snapshot.>`) opened when the core connects. Books used to open a subscription each on
 * their first update: with thousands of symbols that was a burst of SUB protocol and route
 * interest traffic in the middle of publishing, and a Map of subscriptions growing per symbol.
 * Now nothing per symbol happens on the publish path; the request subject is parsed here, on
 * the (rare) request path.
 *
 * With several workers (or a standby), every core receives every request and only the one that
 * holds the book and is publishing answers; the others stay silent. A request for a book nobody
 * holds gets no reply and times out at the requester (it used to fail fast with "no responders"
 * only until the book's first update; a subscriber only asks for books it has seen data for).
 *
 * All reply logic lives in `answer`, so hardening where replies may go is one change.
 */
import type { Msg, NatsConnection, Subscription } from 'nats';
import { decodeSubjectToken } from '../marketdata/subject.js';
import { snapshotWildcard, type SubjectScheme } from '../nats/subjects.js';

export interface SnapshotSource {
  /** The book as an encoded snapshot reply, or undefined when this core does not hold it. */
  snapshot(exchange: string, symbol: string): Uint8Array | undefined;
}

export interface SnapshotResponderOptions {
  scheme: SubjectScheme;
  source: SnapshotSource;
  /** Only a publishing core answers (a standby keeps warm books but must not speak). */
  isPublishing: () => boolean;
  /** Called with each reply right before it is sent (the core stamps the publish time). */
  beforeReply?: (payload: Uint8Array) => void;
  onServed?: () => void;
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
    const snap = this.opts.source.snapshot(target.exchange, target.symbol);
    if (!snap) return;
    this.opts.onServed?.();
    this.opts.beforeReply?.(snap);
    msg.respond(snap);
  }

  close(): void {
    this.sub.unsubscribe();
  }
}
