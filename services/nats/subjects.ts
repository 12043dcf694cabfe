/**
 * The subject scheme, in one place. Data: <EXCHANGE>.<SYMBOLTOKEN>.<suffix>. Control subjects
 * live under their own first token (`_DSM`), so no data wildcard (`NYSE.*.orderbook`, `*.*.orderbook`)
 * can ever match one; `>` only reaches them for clients whose permissions allow it.
 */
import type { DsmConfig } from '../../config/schema.js';

export interface SubjectScheme {
  dataSuffix: string;
  controlPrefix: string;
}

export function subjectScheme(cfg: DsmConfig): SubjectScheme {
  return { dataSuffix: cfg.subjects.dataSuffix, controlPrefix: cfg.subjects.controlPrefix };
}

/** Every data subject of one exchange. */
export function exchangeDataWildcard(s: SubjectScheme, exchange: string): string {
  return `${exchange}.*.${s.dataSuffix}`;
}

/** Every data subject of every exchange. */
export function allDataWildcard(s: SubjectScheme): string {
  return `*.*.${s.dataSuffix}`;
}

/** Snapshot requests for one book: `_DSM.snapshot.<EXCHANGE>.<SYMBOLTOKEN>`. */
export function snapshotSubject(s: SubjectScheme, exchange: string, symbolToken: string): string {
  return `${s.controlPrefix}.snapshot.${exchange}.${symbolToken}`;
}

export function snapshotWildcard(s: SubjectScheme, exchange?: string): string {
  return exchange ? `${s.controlPrefix}.snapshot.${exchange}.>` : `${s.controlPrefix}.snapshot.>`;
}

export function leaseSubject(s: SubjectScheme, group: string): string {
  return `${s.controlPrefix}.lease.${group}`;
}

/**
 * Metric summaries: `_DSM.metrics.<role>.<identity>.<service>`. Each identity may publish only
 * under its own `<role>.<identity>` (services/nats/permissions.ts), so the agent knows from the
 * subject alone, as nats-server enforced it, who said what. `service` may be `*` or `>` for
 * permission patterns and wildcards.
 */
export function metricsSubject(s: SubjectScheme, role: string, identity: string, service: string): string {
  return `${s.controlPrefix}.metrics.${role}.${identity}.${service}`;
}

/** Every metric summary, from every identity (what the agent subscribes to). */
export function metricsWildcardSubject(s: SubjectScheme): string {
  return `${s.controlPrefix}.metrics.>`;
}

/** `_DSM.metrics.<role>.<identity>.<service>` -> its parts; undefined for anything else. */
export function parseMetricsSubject(s: SubjectScheme, subject: string): { role: string; identity: string; service: string } | undefined {
  const t = subject.split('.');
  if (t.length !== 5 || t[0] !== s.controlPrefix || t[1] !== 'metrics') return undefined;
  return { role: t[2]!, identity: t[3]!, service: t[4]! };
}

export function tuneSubject(s: SubjectScheme, what: string): string {
  return `${s.controlPrefix}.tune.${what}`;
}

export function controlWildcard(s: SubjectScheme): string {
  return `${s.controlPrefix}.>`;
}

/**
 * Per-identity reply inbox. A shared `_INBOX.>` would let a subscriber licensed for one exchange
 * read snapshot replies meant for another; a prefix per identity keeps replies with their owner.
 */
export function inboxPrefix(identity: string): string {
  return `_INBOX.${identity}`;
}

/**
 * Subscriber group membership: `_DSM.group.<IDENTITY>.<GROUP>`. The identity token lets the
 * server scope it: an identity may only join (and hear) groups under its own name.
 */
export function groupSubject(s: SubjectScheme, identity: string, group: string): string {
  return `${s.controlPrefix}.group.${identity}.${group}`;
}

export function groupWildcard(s: SubjectScheme, identity: string): string {
  return `${s.controlPrefix}.group.${identity}.*`;
}

/** What the ingest announces it publishes for one exchange: `_DSM.symbols.<EXCHANGE>`. */
export function symbolsSubject(s: SubjectScheme, exchange: string): string {
  return `${s.controlPrefix}.symbols.${exchange}`;
}

/** The identity whose inbox a reply subject is (`_INBOX.<identity>.<...>`), or undefined. */
export function inboxOwner(reply: string): string | undefined {
  const m = /^_INBOX\.([a-z0-9][a-z0-9-]{0,62})(?:\.[A-Za-z0-9_-]+)+$/.exec(reply);
  return m ? m[1] : undefined;
}
