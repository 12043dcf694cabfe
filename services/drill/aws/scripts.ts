/**
 * Shell the AWS target runs on hosts through SSM. Each script is plain bash with `set -euo
 * pipefail`, takes every value from the config (quoted), and is shellchecked by the tests.
 * Paths and unit names match the AMI (ami/units.ts) and the boot scripts (stacks/user-data.ts).
 */
import { tlsParameterPrefix } from '../../../config/tls-layout.js';
import type { Role } from './resolve.js';

export const UNITS: Record<Role, string> = { nats: 'nats-server.service', ingest: 'dsm-ingest.service', subscriber: 'dsm-subscriber.service' };
export const HOST_TLS_DIR = '/etc/nats/tls';
const DROP_COMMENT = 'dsm-drill-dx';

const SAFE = /^[A-Za-z0-9_./:=@%+,-]+$/;
export function q(v: string): string {
  return SAFE.test(v) ? v : `'${v.replace(/'/g, `'\\''`)}'`;
}

export function serviceScript(role: Role, op: 'stop' | 'start' | 'restart' | 'kill'): string[] {
  const unit = UNITS[role];
  const cmd = op === 'kill' ? `systemctl kill --kill-whom=main --signal=SIGKILL ${unit}` : `systemctl ${op} ${unit}`;
  return ['set -euo pipefail', cmd, `echo "${unit}: $(systemctl is-active ${unit} || true)"`];
}

export interface NodeTls { env: string; region: string; serverName: string; dnsName: string; ip: string; clusterPort: number }

/**
 * Replace one node's server certificate with the one now in Parameter Store (pushed beforehand by
 * `dsm certs push`), keep the old one in previous/, reload, and prove the node presents the new one.
 */
export function rotateServerCertScript(n: NodeTls): string[] {
  const p = `${tlsParameterPrefix(n.env)}/servers/${n.serverName}`;
  return [
    'set -euo pipefail',
    `tls_dir=${q(HOST_TLS_DIR)}`,
    `crt="$tls_dir/servers/${n.serverName}.crt"`,
    `key="$tls_dir/servers/${n.serverName}.key"`,
    'install -d -m 0750 "$tls_dir/previous/servers"',
    'cp -p "$crt" "$key" "$tls_dir/previous/servers/"',
    `for ext in crt key; do`,
    `  value=$(aws ssm get-parameter --region ${q(n.region)} --with-decryption --name ${q(p)}.$ext --query Parameter.Value --output text)`,
    `  if [[ $value != *"-----BEGIN"* ]]; then echo "dsm-drill: ${p}.$ext holds no PEM" >&2; exit 1; fi`,
    `  printf '%s\\n' "$value" > "$tls_dir/servers/${n.serverName}.$ext.new"`,
    'done',
    'openssl verify -CAfile "$tls_dir/ca.crt" "$crt.new" >/dev/null',
    'if [[ "$(openssl x509 -in "$crt.new" -noout -pubkey)" != "$(openssl pkey -in "$key.new" -pubout)" ]]; then echo "dsm-drill: new key does not match new certificate" >&2; exit 1; fi',
    'if cmp -s "$crt.new" "$crt"; then rm -f "$crt.new" "$key.new"; echo "dsm-drill: Parameter Store holds the certificate already in use; run dsm certs push first" >&2; exit 1; fi',
    'chmod 0644 "$crt.new"', 'chmod 0600 "$key.new"',
    'chown --reference="$crt" "$crt.new" "$key.new"',
    'mv -f "$key.new" "$key"', 'mv -f "$crt.new" "$crt"',
    `systemctl kill --kill-whom=main --signal=SIGHUP ${UNITS.nats}`,
    'sleep 2',
    'want=$(openssl x509 -in "$crt" -noout -serial)',
    `got=$(openssl s_client -connect ${q(`${n.ip}:${n.clusterPort}`)} -servername ${q(n.dnsName)} -cert "$crt" -key "$key" -CAfile "$tls_dir/ca.crt" </dev/null 2>/dev/null | openssl x509 -noout -serial)`,
    `if [[ $want != "$got" ]]; then echo "dsm-drill: ${n.serverName} presents $got, expected $want" >&2; exit 1; fi`,
    `echo "${n.serverName} presents $want"`,
  ];
}

export function restoreServerCertScript(serverName: string): string[] {
  return [
    'set -euo pipefail',
    `tls_dir=${q(HOST_TLS_DIR)}`,
    `prev="$tls_dir/previous/servers/${serverName}"`,
    'if [[ -f "$prev.crt" && -f "$prev.key" ]]; then',
    `  mv -f "$prev.key" "$tls_dir/servers/${serverName}.key"`,
    `  mv -f "$prev.crt" "$tls_dir/servers/${serverName}.crt"`,
    `  systemctl kill --kill-whom=main --signal=SIGHUP ${UNITS.nats}`,
    `  echo "${serverName}: previous certificate restored"`,
    'else',
    `  echo "${serverName}: nothing to restore"`,
    'fi',
  ];
}

/** Drop feed traffic from the Direct Connect prefixes (idempotent: -C before -I). */
export function blockFeedScript(prefixes: string[]): string[] {
  return ['set -euo pipefail', ...prefixes.map((p) =>
    `iptables -w -C INPUT -s ${q(p)} -m comment --comment ${DROP_COMMENT} -j DROP 2>/dev/null || iptables -w -I INPUT -s ${q(p)} -m comment --comment ${DROP_COMMENT} -j DROP`),
  `echo "feed from ${prefixes.join(' ')} dropped"`];
}

export function unblockFeedScript(prefixes: string[]): string[] {
  return ['set -euo pipefail', ...prefixes.map((p) =>
    `while iptables -w -D INPUT -s ${q(p)} -m comment --comment ${DROP_COMMENT} -j DROP 2>/dev/null; do :; done`),
  `echo "feed from ${prefixes.join(' ')} restored"`];
}

/** The node's own /routez (the monitoring port listens on the node's private IP). */
export function routezScript(ip: string, monitorPort: number): string[] {
  return ['set -euo pipefail', `curl -sf --max-time 2 ${q(`http://${ip}:${monitorPort}/routez`)}`];
}
