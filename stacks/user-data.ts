/**
 * Boot scripts (cloud-init user data) as plain text, no cdktf: they are shellchecked and run in a
 * sandbox in tests. Every DSM host writes /etc/dsm/dsm.env (and /etc/dsm/instance.env for service
 * arguments) for the systemd units baked into the AMI, fetches its TLS files from SSM (waiting
 * while they still hold placeholders), and starts its services.
 */
import type { TlsParameter } from '../config/tls-layout.js';

export interface TlsFetch {
  dir: string;
  /** Owner of the files (a service user baked into the AMI). */
  owner: string;
  parameters: readonly TlsParameter[];
}

export interface BootScript {
  /** Why this host exists, for the script's header. */
  title: string;
  region: string;
  /** /etc/dsm/dsm.env: replaces the AMI's baked file (DSM_ENV, DSM_ROLE, ...). */
  env: Record<string, string>;
  /** /etc/dsm/instance.env: extra service arguments (DSM_INGEST_ARGS, ...). */
  instanceEnv?: Record<string, string>;
  tls: readonly TlsFetch[];
  /** Commands run after TLS is in place and before services start. */
  prepare?: string[];
  /** systemd units to enable and start. */
  services: string[];
  /** Extra files written before services start (path -> [mode, content]). */
  files?: Record<string, [string, string]>;
  /** CloudWatch agent configuration (JSON); started first, so even a host stuck waiting for TLS ships its boot log. */
  logShipping?: { configPath: string; ctl: string; config: object };
}

const SAFE = /^[A-Za-z0-9_./:=@%+,-]*$/;

/** How long a booting host waits for `dsm certs push` (DSM_TLS_WAIT_SECONDS overrides), and how often it looks. */
export const TLS_WAIT_SECONDS = 3600;
export const TLS_POLL_SECONDS = 15;

/** Quote for bash (and systemd EnvironmentFile) unless obviously safe. */
export function shellQuote(value: string): string {
  return SAFE.test(value) && value !== '' ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

function envFile(path: string, vars: Record<string, string>): string[] {
  const lines = Object.entries(vars).map(([k, v]) => {
    if (!/^[A-Z_][A-Z0-9_]*$/.test(k)) throw new Error(`not an environment variable name: ${k}`);
    return `${k}=${shellQuote(v)}`;
  });
  return [`cat > ${path} <<'DSM_ENV_FILE'`, ...lines, 'DSM_ENV_FILE', `chmod 0644 ${path}`];
}

function startLogShipping(l: NonNullable<BootScript['logShipping']>): string[] {
  return [
    '',
    '# Service logs -> CloudWatch Logs (journald -> rsyslog -> files -> agent). A failure here must not stop',
    '# the host from serving, but it must show: it is logged (to the console and the journal) and boot goes on.',
    `install -d -m 0755 ${shellQuote(l.configPath.split('/').slice(0, -1).join('/'))}`,
    `cat > ${shellQuote(l.configPath)} <<'DSM_CW_AGENT'`,
    JSON.stringify(l.config, null, 2),
    'DSM_CW_AGENT',
    `${shellQuote(l.ctl)} -a fetch-config -m ec2 -c file:${shellQuote(l.configPath)} -s || echo "dsm-boot: ERROR: CloudWatch agent did not start; service logs stay on this host" >&2`,
  ];
}

function fetchFunction(region: string): string[] {
  return [
    '# Fetch one SecureString into a TLS directory. Until `dsm certs push` has run the parameter holds',
    '# a placeholder: wait for it (user data runs once per instance, so giving up early strands the host).',
    'fetch_tls() {',
    '  local dir=$1 name=$2 file=$3 mode=$4 value waited=0',
    '  while true; do',
    `    value=$(aws ssm get-parameter --region ${shellQuote(region)} --with-decryption --name "$name" --query Parameter.Value --output text || true)`,
    '    [[ $value == *"-----BEGIN"* ]] && break',
    `    if (( waited >= \${DSM_TLS_WAIT_SECONDS:-${TLS_WAIT_SECONDS}} )); then`,
    '      echo "dsm-boot: $name still holds no PEM after ${waited}s; run dsm certs push, then replace this instance" >&2',
    '      exit 1',
    '    fi',
    '    (( waited % 300 == 0 )) && echo "dsm-boot: waiting for $name (dsm certs push)"',
    `    sleep ${TLS_POLL_SECONDS}`,
    `    waited=$(( waited + ${TLS_POLL_SECONDS} ))`,
    '  done',
    '  printf \'%s\\n\' "$value" > "$dir/$file.tmp"',
    '  chmod "$mode" "$dir/$file.tmp"',
    '  mv "$dir/$file.tmp" "$dir/$file"',
    '}',
  ];
}

function fetchInto(t: TlsFetch): string[] {
  const dir = shellQuote(t.dir);
  const subdirs = [...new Set(t.parameters.map((p) => p.file.split('/').slice(0, -1).join('/')).filter(Boolean))];
  return [
    `install -d -m 0750 ${dir}`,
    ...subdirs.map((d) => `install -d -m 0750 ${dir}/${d}`),
    ...t.parameters.map((p) => `fetch_tls ${dir} ${shellQuote(p.name)} ${shellQuote(p.file)} ${p.mode}`),
    `chown -R ${shellQuote(t.owner)}: ${dir}`,
  ];
}

/**
 * User data as Terraform receives it: base64. A plain `user_data` string is a Terraform template,
 * so bash's `${VAR:-default}` or `${waited}` would be read as interpolation (terraform validate
 * fails with "Extra characters after interpolation expression"); base64 carries the script
 * byte for byte, for aws_instance (`user_data_base64`) and launch templates alike.
 */
export function userDataBase64(script: string): string {
  return Buffer.from(script, 'utf8').toString('base64');
}

/** The boot script of a synthesized aws_instance (`user_data_base64`) or aws_launch_template (`user_data`, base64 by the API's definition). */
export function decodeUserData(resource: { user_data?: string; user_data_base64?: string }): string {
  if (resource.user_data_base64 !== undefined) return Buffer.from(resource.user_data_base64, 'base64').toString('utf8');
  if (resource.user_data !== undefined) return Buffer.from(resource.user_data, 'base64').toString('utf8');
  throw new Error('resource has no user data');
}

export function renderBootScript(b: BootScript): string {
  const files = Object.entries(b.files ?? {}).flatMap(([path, [mode, content]]) => [
    `install -d -m 0755 ${shellQuote(path.split('/').slice(0, -1).join('/') || '/')}`,
    `cat > ${shellQuote(path)} <<'DSM_FILE'`, content.trimEnd(), 'DSM_FILE', `chmod ${mode} ${shellQuote(path)}`,
  ]);
  return [
    '#!/bin/bash',
    `# ${b.title}`,
    '# Generated by stacks/user-data.ts from the environment config; do not edit on the host.',
    'set -euo pipefail',
    'exec > >(tee -a /var/log/dsm-boot.log | logger -t dsm-boot) 2>&1',
    '',
    'install -d -m 0755 /etc/dsm',
    ...envFile('/etc/dsm/dsm.env', b.env),
    ...(b.instanceEnv ? envFile('/etc/dsm/instance.env', b.instanceEnv) : []),
    ...(b.logShipping ? startLogShipping(b.logShipping) : []),
    '',
    ...fetchFunction(b.region),
    ...b.tls.flatMap(fetchInto),
    ...(files.length ? ['', ...files] : []),
    ...(b.prepare?.length ? ['', ...b.prepare] : []),
    '',
    `systemctl enable --now ${b.services.map(shellQuote).join(' ')}`,
    '',
  ].join('\n');
}
