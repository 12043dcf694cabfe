/**
 * mTLS client connections as one of the config's identities, with the low-latency client
 * defaults from `cfg.client`: every cluster URL (fast failover), short reconnect wait with
 * jitter, no echo, infinite reconnects, and a per-identity inbox prefix (see subjects.ts).
 */
import { connect, type ConnectionOptions, type NatsConnection } from 'nats';
import type { DsmConfig } from '../../config/schema.js';
import { clientUrls } from '../../config/topology.js';
import { inboxPrefix } from './subjects.js';
import { clientTlsPaths } from './tls-paths.js';

export interface ConnectAsOptions extends Partial<ConnectionOptions> {
  tlsDir: string;
}

export function clientOptions(cfg: DsmConfig, identity: string, opts: ConnectAsOptions): ConnectionOptions {
  const id = cfg.identities.find((i) => i.name === identity);
  if (!id) throw new Error(`unknown identity "${identity}"; configured: ${cfg.identities.map((i) => i.name).join(', ')}`);
  const { tlsDir, ...overrides } = opts;
  const tls = clientTlsPaths(tlsDir, identity);
  const c = cfg.client;
  return {
    servers: clientUrls(cfg),
    name: `dsm-${identity}`,
    tls: { caFile: tls.ca, certFile: tls.cert, keyFile: tls.key },
    inboxPrefix: inboxPrefix(identity),
    noEcho: c.noEcho,
    reconnect: true,
    maxReconnectAttempts: -1,
    reconnectTimeWait: c.reconnectTimeWaitMs,
    reconnectJitter: c.reconnectJitterMs,
    reconnectJitterTLS: c.reconnectJitterMs,
    pingInterval: c.pingIntervalMs,
    maxPingOut: c.maxPingOut,
    // Randomized server order spreads clients across nodes.
    noRandomize: false,
    timeout: 5000,
    ...overrides,
  };
}

/** A connection that could not be made, with the servers tried (callers add the hint for their context). */
export class NatsConnectError extends Error {
  constructor(readonly servers: string[], readonly identity: string, readonly code: string | undefined, cause: unknown) {
    super(`cannot connect to ${servers.join(', ')} as ${identity}: ${code ?? (cause as Error)?.message ?? String(cause)}`);
    this.name = 'NatsConnectError';
  }
}

export async function connectAs(cfg: DsmConfig, identity: string, opts: ConnectAsOptions): Promise<NatsConnection> {
  const options = clientOptions(cfg, identity, opts);
  try {
    return await connect(options);
  } catch (err) {
    const servers = Array.isArray(options.servers) ? options.servers : [String(options.servers)];
    throw new NatsConnectError(servers, identity, (err as { code?: string }).code, err);
  }
}
