/**
 * The three host roles' boot scripts. The contract with the AMI (ami/units.ts, ami/README.md):
 * /etc/dsm/dsm.env carries DSM_ENV, DSM_ROLE, DSM_NODE (NATS; 1/2 for the ingestion pair),
 * DSM_IDENTITY, DSM_TLS_DIR, DSM_STANDBY (ingestion), DSM_ASG_NAME / DSM_LIFECYCLE_HOOK
 * (subscribers) and the baked DSM_LOG_FORMAT; /etc/dsm/instance.env carries the units' argument
 * variables (DSM_METRICS_ARGS, DSM_INGEST_ARGS, DSM_SUBSCRIBE_ARGS).
 */
import { renderBootScript, type BootScript } from './user-data.js';
import { CLOUDWATCH_AGENT_CONFIG, CLOUDWATCH_AGENT_CTL, cloudwatchAgentConfig, ROLE_LOGS } from './log-shipping.js';
import { clientParameters, serverParameters } from '../config/tls-layout.js';

export const NATS_TLS_DIR = '/etc/nats/tls';
export const NATS_CONFIG_PATH = '/etc/nats/nats-server.conf';
export const CLIENT_TLS_DIR = '/etc/dsm/tls';
export const DRAIN_WATCH_PATH = '/usr/local/sbin/dsm-drain-watch';

/** Baked into the AMI's dsm.env, which user data replaces: keep it. */
const BAKED = { DSM_LOG_FORMAT: 'json' } as const;

function logShipping(env: string, role: keyof typeof ROLE_LOGS): NonNullable<BootScript['logShipping']> {
  return { configPath: CLOUDWATCH_AGENT_CONFIG, ctl: CLOUDWATCH_AGENT_CTL, config: cloudwatchAgentConfig(env, role) };
}

export function natsBootScript(o: { env: string; region: string; node: number; serverName: string; opsIdentity: string; ip: string }): string {
  return renderBootScript({
    title: `DSM NATS node ${o.serverName} (${o.env})`,
    region: o.region,
    logShipping: logShipping(o.env, 'nats'),
    env: { DSM_ENV: o.env, DSM_ROLE: 'nats', DSM_NODE: String(o.node), DSM_IDENTITY: o.opsIdentity, DSM_TLS_DIR: CLIENT_TLS_DIR, DSM_REGION: o.region, ...BAKED },
    // The metrics agent scrapes this node only, connects to it only (as the ops identity), and serves
    // Prometheus on the node's private IP, where the NATS security group admits the monitoring tier.
    instanceEnv: { DSM_METRICS_ARGS: `--node ${o.node} --tls-dir ${CLIENT_TLS_DIR} --prometheus-host ${o.ip}` },
    tls: [
      { dir: NATS_TLS_DIR, owner: 'nats', parameters: serverParameters(o.env, o.serverName) },
      { dir: CLIENT_TLS_DIR, owner: 'dsm', parameters: clientParameters(o.env, o.opsIdentity) },
    ],
    prepare: [
      '# Same renderer as `dsm up` locally: routes, mTLS, permissions and entitlements come from the config.',
      `dsm render nats-config --env ${o.env} --node ${o.node} --tls-dir ${NATS_TLS_DIR} --out ${NATS_CONFIG_PATH}`,
      `nats-server -c ${NATS_CONFIG_PATH} -t`,
    ],
    services: ['nats-server', 'dsm-metrics'],
  });
}

export function ingestBootScript(o: { env: string; region: string; identity: string; standby: boolean }): string {
  const member = o.standby ? 'standby' : 'primary';
  return renderBootScript({
    title: `DSM ingestion ${member} (${o.env})`,
    region: o.region,
    logShipping: logShipping(o.env, 'ingest'),
    env: {
      DSM_ENV: o.env, DSM_ROLE: 'ingest', DSM_NODE: o.standby ? '2' : '1', DSM_STANDBY: String(o.standby),
      DSM_IDENTITY: o.identity, DSM_TLS_DIR: CLIENT_TLS_DIR, DSM_REGION: o.region, ...BAKED,
    },
    // Both members join the leader lease; the primary is simply the one that starts first.
    instanceEnv: { DSM_INGEST_ARGS: `--tls-dir ${CLIENT_TLS_DIR} --publisher-id ingest-${member} --lease ingest` },
    tls: [{ dir: CLIENT_TLS_DIR, owner: 'dsm', parameters: clientParameters(o.env, o.identity) }],
    services: ['dsm-ingest'],
  });
}

/** Waits for this instance's scale-in, lets the subscriber drain, then releases the lifecycle hook. */
export const DRAIN_WATCH_SCRIPT = `#!/bin/bash
# Scale-in drain: the ASG holds a terminating instance in Terminating:Wait until this completes.
set -euo pipefail
# shellcheck source=/dev/null
. /etc/dsm/dsm.env
imds() {
  local token
  token=$(curl -sf -X PUT http://169.254.169.254/latest/api/token -H 'X-aws-ec2-metadata-token-ttl-seconds: 60')
  curl -sf -H "X-aws-ec2-metadata-token: $token" "http://169.254.169.254/latest/meta-data/$1"
}
until [[ $(imds autoscaling/target-lifecycle-state || true) == Terminated ]]; do sleep 5; done
# SIGTERM: the subscriber drains its NATS connection (in-flight messages delivered) and exits.
systemctl stop dsm-subscriber
aws autoscaling complete-lifecycle-action --region "$DSM_REGION" \\
  --auto-scaling-group-name "$DSM_ASG_NAME" --lifecycle-hook-name "$DSM_LIFECYCLE_HOOK" \\
  --instance-id "$(imds instance-id)" --lifecycle-action-result CONTINUE
`;

const DRAIN_WATCH_UNIT = `[Unit]
Description=DSM subscriber drain on Auto Scaling scale-in
After=network-online.target dsm-subscriber.service

[Service]
Type=simple
ExecStart=${DRAIN_WATCH_PATH}
Restart=on-failure

[Install]
WantedBy=multi-user.target
`;

export function subscriberBootScript(o: { env: string; region: string; identity: string; asgName: string; lifecycleHook: string }): string {
  return renderBootScript({
    title: `DSM subscriber (${o.env}), member of ${o.asgName}`,
    region: o.region,
    logShipping: logShipping(o.env, 'subscriber'),
    env: {
      DSM_ENV: o.env, DSM_ROLE: 'subscriber', DSM_IDENTITY: o.identity, DSM_TLS_DIR: CLIENT_TLS_DIR, DSM_REGION: o.region,
      DSM_ASG_NAME: o.asgName, DSM_LIFECYCLE_HOOK: o.lifecycleHook, ...BAKED,
    },
    instanceEnv: { DSM_SUBSCRIBE_ARGS: `--tls-dir ${CLIENT_TLS_DIR} --identity ${o.identity}` },
    tls: [{ dir: CLIENT_TLS_DIR, owner: 'dsm', parameters: clientParameters(o.env, o.identity) }],
    files: {
      [DRAIN_WATCH_PATH]: ['0755', DRAIN_WATCH_SCRIPT],
      '/etc/systemd/system/dsm-drain-watch.service': ['0644', DRAIN_WATCH_UNIT],
    },
    prepare: ['systemctl daemon-reload'],
    services: ['dsm-subscriber', 'dsm-drain-watch'],
  });
}
