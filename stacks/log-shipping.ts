/**
 * Service logs into CloudWatch Logs, as plain data (no cdktf). The services log to journald (their
 * systemd units set a SyslogIdentifier each, ami/units.ts); rsyslog in the AMI copies each
 * identifier's lines into /var/log/dsm/<service>.log (ami/files/rsyslog.d/30-dsm.conf), because the
 * CloudWatch agent reads files, not the journal; user data then points the agent (installed in the
 * AMI) at this host's files and the stack's log groups. One table below feeds all three, so a log
 * group the stack creates is always one some host ships into.
 */

/** Log group suffix -> the journald SyslogIdentifier whose lines go there. */
export const SERVICE_LOGS = {
  'nats-server': 'nats-server',
  ingest: 'dsm-ingest',
  subscriber: 'dsm-subscriber',
  'metrics-agent': 'dsm-metrics',
  boot: 'dsm-boot',
} as const;

export type ServiceLog = keyof typeof SERVICE_LOGS;

/** Which logs each host role writes. */
export const ROLE_LOGS: Record<'nats' | 'ingest' | 'subscriber', readonly ServiceLog[]> = {
  nats: ['nats-server', 'metrics-agent', 'boot'],
  ingest: ['ingest', 'boot'],
  subscriber: ['subscriber', 'boot'],
};

export const LOG_DIR = '/var/log/dsm';
export const CLOUDWATCH_AGENT_CONFIG = '/opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json';
export const CLOUDWATCH_AGENT_CTL = '/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl';

export function logGroupName(env: string, log: ServiceLog): string {
  return `/dsm/${env}/${log}`;
}

export function logFile(log: ServiceLog): string {
  return `${LOG_DIR}/${log}.log`;
}

/** The CloudWatch agent's configuration for one host role: logs only (metrics come from the DSM agent). */
export function cloudwatchAgentConfig(env: string, role: keyof typeof ROLE_LOGS): object {
  return {
    agent: { run_as_user: 'root', logfile: '/opt/aws/amazon-cloudwatch-agent/logs/amazon-cloudwatch-agent.log' },
    logs: {
      logs_collected: {
        files: {
          collect_list: ROLE_LOGS[role].map((log) => ({
            file_path: logFile(log),
            log_group_name: logGroupName(env, log),
            log_stream_name: '{instance_id}',
          })),
        },
      },
    },
  };
}

/** rsyslog rules: journald lines by SyslogIdentifier into the files the agent tails (ami/files/rsyslog.d/30-dsm.conf holds this text; a test keeps them equal). */
export function rsyslogRules(): string {
  return [
    '# DSM service logs into the files the CloudWatch agent ships (stacks/log-shipping.ts; keep equal).',
    // `& stop`: these lines go to their own file only, not a second time into /var/log/messages.
    ...Object.entries(SERVICE_LOGS).flatMap(([log, ident]) => [`if $programname == '${ident}' then ${logFile(log as ServiceLog)}`, '& stop']),
    '',
  ].join('\n');
}
