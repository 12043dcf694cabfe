/**
 * Role -> nats-server permissions. Allow-lists only: anything not listed is denied, and the
 * server logs the violation. Subscriber entitlements narrow data subjects to licensed exchanges,
 * so a client licensed for NYSE cannot subscribe to `NASDAQ.>` or `>` at all.
 */
import type { DsmConfig, Identity } from '../../config/schema.js';
import {
  allDataWildcard, controlWildcard, exchangeDataWildcard, groupWildcard, inboxPrefix, metricsSubject,
  snapshotWildcard, subjectScheme, symbolsSubject, tuneSubject,
} from './subjects.js';

export interface Permissions {
  publish: { allow: string[]; deny?: string[] };
  subscribe: { allow: string[]; deny?: string[] };
  /** Lets a responder reply to a request's inbox without a publish grant on `_INBOX.>`. */
  allowResponses?: boolean;
}

export function permissionsFor(cfg: DsmConfig, id: Identity): Permissions {
  const s = subjectScheme(cfg);
  const inbox = `${inboxPrefix(id.name)}.>`;
  switch (id.role) {
    case 'ingest':
      return {
        publish: { allow: [allDataWildcard(s), controlWildcard(s)] },
        subscribe: { allow: [controlWildcard(s), inbox] },
        allowResponses: true,
      };
    case 'subscriber': {
      const exchanges = id.exchanges;
      const data = exchanges ? exchanges.map((ex) => exchangeDataWildcard(s, ex)) : [allDataWildcard(s)];
      const snapshots = exchanges ? exchanges.map((ex) => snapshotWildcard(s, ex)) : [snapshotWildcard(s)];
      // Group membership only under the identity's own name; symbol announcements only for licensed exchanges.
      const group = groupWildcard(s, id.name);
      const announced = exchanges ? exchanges.map((ex) => symbolsSubject(s, ex)) : [symbolsSubject(s, '*')];
      return {
        publish: { allow: [...snapshots, metricsSubject(s, '*'), group, tuneSubject(s, 'ack.*')], deny: [allDataWildcard(s)] },
        subscribe: { allow: [...data, inbox, tuneSubject(s, '>'), `${s.controlPrefix}.lease.>`, group, ...announced] },
      };
    }
    case 'ops':
      return {
        publish: { allow: [controlWildcard(s)], deny: [allDataWildcard(s)] },
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
