/**
 * Where a responder may send a reply. nats-server's allow_responses lets an ingest answer any
 * request it received, and an ingest may publish data subjects anyway, so the server cannot stop
 * a request whose reply subject is `NYSE.AAPL.orderbook` (the reply would land in every NYSE
 * licensee's book) or `_DSM.lease.ingest`. Responders therefore answer only on the inbox of a
 * configured identity (`_INBOX.<identity>.…`, what connectAs sets), and only an identity entitled
 * to the exchange asked about: naming a NYSE-only licensee's inbox for a NASDAQ book is refused too.
 */
import type { DsmConfig } from '../../config/schema.js';
import { inboxOwner } from './subjects.js';

export type ReplyVerdict = { ok: true; identity: string } | { ok: false; reason: string };

export function judgeReplySubject(cfg: DsmConfig, reply: string | undefined, exchange: string): ReplyVerdict {
  if (!reply) return { ok: false, reason: 'no reply subject' };
  const owner = inboxOwner(reply);
  if (!owner) return { ok: false, reason: `reply subject ${JSON.stringify(reply.slice(0, 120))} is not an identity's inbox` };
  const id = cfg.identities.find((i) => i.name === owner);
  if (!id) return { ok: false, reason: `reply inbox of unknown identity ${JSON.stringify(owner)}` };
  if (id.role === 'subscriber' && id.exchanges && !id.exchanges.includes(exchange)) {
    return { ok: false, reason: `identity ${owner} is not entitled to ${exchange}` };
  }
  return { ok: true, identity: owner };
}
