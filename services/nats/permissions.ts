/**
 * Role -> nats-server permissions. Allow-lists only: anything not listed is denied, and the
 * server logs the violation. Subscriber entitlements narrow data subjects to licensed exchanges,
 * so a client licensed for NYSE cannot subscribe to `NASDAQ.>` or `>` at all.
 *
 * The control plane is split by job (docs/security.md): only ingest identities publish the lease,
 * only ops publishes tuning, and every identity publishes metric summaries only under its own
 * `_DSM.metrics.<role>.<identity>.*`, so nats-server itself vouches for who sent a summary.
 * Nobody but ingest may answer a request (allow_responses), and no role has a grant on another
 * identity's inbox. The responders themselves check that a reply subject is an entitled inbox
 * (services/nats/reply-guard.ts), because an ingest identity may publish data subjects and the
 * server cannot tell a reply from a publish there.
 */
import type { DsmConfig, Identity } from '../../config/schema.js';
import { snapshotParts } from '../wire/layout.js';
import {
  allDataWildcard, controlWildcard, exchangeDataWildcard, groupWildcard, inboxPrefix, leaseSubject, metricsSubject,
  snapshotWildcard, subjectScheme, symbolsSubject, tuneSubject,
} from './subjects.js';

export interface Permissions {
  publish: { allow: string[]; deny?: string[] };
  subscribe: { allow: string[]; deny?: string[] };
  /**
   * Lets a responder reply to a request's inbox without a publish grant on `_INBOX.>`: at most
   * `max` messages per request (a multi-part snapshot takes several).
   */
  allowResponses?: { max: number };
}

export function permissionsFor(cfg: DsmConfig, id: Identity): Permissions {
  const s = subjectScheme(cfg);
  const inbox = `${inboxPrefix(id.name)}.>`;
  const ownMetrics = metricsSubject(s, id.role, id.name, '*');
  switch (id.role) {
    case 'ingest':
      return {
        // Symbol announcements (subscriber groups' universe) and tuning acks, besides data, lease and its metrics.
        publish: { allow: [allDataWildcard(s), leaseSubject(s, '*'), ownMetrics, symbolsSubject(s, '*'), tuneSubject(s, 'ack.*')] },
        subscribe: { allow: [controlWildcard(s), inbox] },
        allowResponses: { max: snapshotParts(2 * cfg.ingest.snapshotDepth, cfg.nats.limits.maxPayloadBytes) },
      };
    case 'subscriber': {
      const exchanges = id.exchanges;
      const data = exchanges ? exchanges.map((ex) => exchangeDataWildcard(s, ex)) : [allDataWildcard(s)];
      const snapshots = exchanges ? exchanges.map((ex) => snapshotWildcard(s, ex)) : [snapshotWildcard(s)];
      // Group membership only under the identity's own name; symbol announcements only for licensed exchanges.
      const group = groupWildcard(s, id.name);
      const announced = exchanges ? exchanges.map((ex) => symbolsSubject(s, ex)) : [symbolsSubject(s, '*')];
      return {
        publish: { allow: [...snapshots, ownMetrics, group, tuneSubject(s, 'ack.*')], deny: [allDataWildcard(s)] },
        subscribe: { allow: [...data, inbox, tuneSubject(s, '>'), leaseSubject(s, '*'), group, ...announced] },
      };
    }
    case 'ops':
      return {
        publish: { allow: [tuneSubject(s, '>'), snapshotWildcard(s), ownMetrics], deny: [allDataWildcard(s), leaseSubject(s, '*')] },
        subscribe: { allow: [controlWildcard(s), allDataWildcard(s), inbox] },
      };
  }
}

/**
 * The certificate subject each identity's client certificate carries, in the RFC 2253 form
 * nats-server's `verify_and_map` matches (most specific RDN first).
 */
export function certificateUser(id: Pick<Identity, 'name' | 'role'>): string {
  return `CN=${id.name},OU=${id.role},O=DSM`;
}
