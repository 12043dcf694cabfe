/**
 * nats-server configuration renderer: the one place a node's config is produced, for the local
 * cluster (`dsm up`, tests, drills) and for EC2 hosts at boot (`dsm render nats-config`).
 *
 * - Client connections: TLS with client certificates verified and mapped to users
 *   (`verify_and_map`), so identity and role come from the certificate alone.
 * - Routes: TLS both ways (`verify: true`) to every peer, dialled by the name its certificate
 *   carries in a SAN.
 * - No JetStream: DSM is core NATS only on the data path.
 */
import path from 'node:path';
import type { DsmConfig } from '../../config/schema.js';
import { natsNode, natsNodes, type NatsNode } from '../../config/topology.js';
import { certificateUser, permissionsFor, type Permissions } from './permissions.js';
import { tlsPaths } from './tls-paths.js';

export interface RenderOptions {
  /** Directory holding ca.crt and servers/<node>.{crt,key} (see certs.ts). */
  tlsDir: string;
  /** Write logs here; omitted on hosts, where systemd/journald captures stderr. */
  logFile?: string;
  /** Write the pid here (local cluster bookkeeping). */
  pidFile?: string;
  /**
   * Log every connection open/close for the audit trail. nats-server logs connects at debug
   * level; authentication failures and permission violations are logged at error level always.
   */
  auditConnections?: boolean;
}

/** nats-server config syntax for a string: always quoted, escaped. */
function q(s: string): string {
  return JSON.stringify(s);
}

function list(items: string[]): string {
  return `[${items.map(q).join(', ')}]`;
}

function renderPermissions(p: Permissions, indent: string): string {
  const lines = [`${indent}permissions: {`];
  const pub = p.publish.deny ? `{ allow: ${list(p.publish.allow)}, deny: ${list(p.publish.deny)} }` : `{ allow: ${list(p.publish.allow)} }`;
  const sub = p.subscribe.deny ? `{ allow: ${list(p.subscribe.allow)}, deny: ${list(p.subscribe.deny)} }` : `{ allow: ${list(p.subscribe.allow)} }`;
  lines.push(`${indent}  publish: ${pub}`);
  lines.push(`${indent}  subscribe: ${sub}`);
  if (p.allowResponses) lines.push(`${indent}  allow_responses: { max: ${p.allowResponses.max}, expires: "5s" }`);
  lines.push(`${indent}}`);
  return lines.join('\n');
}

/**
 * A tls block: the node's certificate and the cluster CA, the peer certificate always verified
 * (`verify_and_map` for clients, whose certificate subject is also their user; `verify` for routes).
 */
function tlsBlock(tls: { cert: string; key: string; ca: string }, verify: 'verify' | 'verify_and_map', indent: string): string[] {
  return [
    `${indent}tls {`,
    `${indent}  cert_file: ${q(tls.cert)}`,
    `${indent}  key_file: ${q(tls.key)}`,
    `${indent}  ca_file: ${q(tls.ca)}`,
    `${indent}  ${verify}: true`,
    `${indent}  timeout: 2`,
    `${indent}}`,
  ];
}

/** Route URL a peer dials: by DNS name on AWS (matches the SAN), by IP on loopback. */
function routeUrl(cfg: DsmConfig, peer: NatsNode): string {
  const host = cfg.nats.placement === 'private-ip' ? peer.dnsName : peer.ip;
  return `nats-route://${host}:${peer.clusterPort}`;
}

export function renderNatsConfig(cfg: DsmConfig, nodeIndex: number, opts: RenderOptions): string {
  const node = natsNode(cfg, nodeIndex);
  const peers = natsNodes(cfg).filter((n) => n.index !== node.index);
  const tls = tlsPaths(opts.tlsDir, node.name);
  const l = cfg.nats.limits;
  // Loopback nodes all listen on 127.0.0.1; EC2 nodes on their fixed private IP only, never 0.0.0.0.
  const bind = node.ip;

  const out: string[] = [];
  out.push(`# nats-server config for ${node.name} of cluster ${cfg.nats.clusterName} (env ${cfg.env}).`);
  out.push('# Rendered by DSM (services/nats/render.ts); do not edit by hand.');
  out.push('');
  out.push(`server_name: ${q(node.name)}`);
  out.push(`listen: ${q(`${bind}:${node.clientPort}`)}`);
  out.push('# Monitoring on the private/loopback address only; the security group admits the monitoring tier.');
  out.push(`http: ${q(`${bind}:${node.monitorPort}`)}`);
  out.push('');
  out.push('# Limits: book snapshots must fit max_payload; a client that cannot drain max_pending within');
  out.push('# write_deadline is cut off as a slow consumer instead of stalling the publisher.');
  out.push(`max_payload: ${l.maxPayloadBytes}`);
  out.push(`max_pending: ${l.maxPendingBytes}`);
  out.push(`write_deadline: ${q(l.writeDeadline)}`);
  out.push(`ping_interval: ${q(l.pingInterval)}`);
  out.push(`ping_max: ${l.maxPingsOut}`);
  out.push(`max_connections: ${l.maxConnections}`);
  out.push('# No jetstream block: JetStream stays off; the data path is core NATS.');
  out.push('');
  out.push('logtime: true');
  if (opts.logFile) out.push(`log_file: ${q(opts.logFile)}`);
  if (opts.pidFile) out.push(`pid_file: ${q(opts.pidFile)}`);
  if (opts.auditConnections ?? true) {
    out.push('# Debug level records every client connect/disconnect (with its certificate identity) for audit.');
    out.push('debug: true');
  }
  out.push('trace: false');
  out.push('');
  out.push('# Clients: TLS with a verified client certificate mapped to a user below.');
  out.push(...tlsBlock(tls, 'verify_and_map', ''));
  out.push('');
  out.push('cluster {');
  out.push(`  name: ${q(cfg.nats.clusterName)}`);
  out.push(`  listen: ${q(`${bind}:${node.clusterPort}`)}`);
  out.push('  # Routes: TLS both ways, each side verifies the other against the cluster CA.');
  out.push(...tlsBlock(tls, 'verify', '  '));
  out.push('  # Explicit routes to every peer; gossip would add nothing in a fixed 3/5-node cluster.');
  out.push('  no_advertise: true');
  out.push(`  routes: ${list(peers.map((p) => routeUrl(cfg, p)))}`);
  out.push('}');
  out.push('');
  out.push('# Roles come from the client certificate subject (verify_and_map).');
  out.push('authorization {');
  out.push('  users: [');
  for (const id of cfg.identities) {
    out.push('    {');
    out.push(`      # ${id.name}: ${id.role}${id.exchanges ? ` entitled to ${id.exchanges.join(', ')}` : ''}`);
    out.push(`      user: ${q(certificateUser(id))}`);
    out.push(renderPermissions(permissionsFor(cfg, id), '      '));
    out.push('    }');
  }
  out.push('  ]');
  out.push('}');
  out.push('');
  return out.join('\n');
}

/** Where the rendered file for a node goes in a local cluster directory. */
export function localConfigPath(dir: string, nodeName: string): string {
  return path.join(dir, `${nodeName}.conf`);
}
