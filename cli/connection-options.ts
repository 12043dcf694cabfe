/**
 * Options every command that talks to the cluster shares: which TLS directory (the `dsm up`
 * cluster's by default, /etc/nats/tls on hosts) and which servers (all configured ones).
 */
import path from 'node:path';
import type { DsmConfig } from '../config/schema.js';
import { clientUrls } from '../config/topology.js';
import { localDir } from './local-dir.js';

export const TLS_DIR_OPTION = ['--tls-dir <dir>', 'certificates directory (default: the local cluster\'s .dsm/<env>/tls, or /etc/nats/tls on AWS hosts)'] as const;
export const SERVERS_OPTION = ['--servers <urls>', 'comma-separated NATS URLs (default: every node in the config)'] as const;

export function tlsDirFor(cfg: DsmConfig, opts: { tlsDir?: string }): string {
  if (opts.tlsDir) return path.resolve(opts.tlsDir);
  return cfg.nats.placement === 'loopback' ? path.join(localDir(cfg.env), 'tls') : '/etc/nats/tls';
}

export function serversFor(cfg: DsmConfig, opts: { servers?: string }): string[] {
  return opts.servers ? opts.servers.split(',').map((s) => s.trim()).filter(Boolean) : clientUrls(cfg);
}
