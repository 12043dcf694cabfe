#!/usr/bin/env bash
# Service logs to CloudWatch Logs: journald -> rsyslog -> /var/log/dsm/<service>.log -> the
# CloudWatch agent -> the stack's log groups /dsm/<env>/<service>. The agent reads files, not the
# journal, hence rsyslog in between (each unit sets a SyslogIdentifier the rules match on). The
# agent is installed but not started here: user data writes its configuration (which log groups,
# from the stack) and starts it (stacks/log-shipping.ts).
#
# Env: DSM_ROOT (default /).
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

run_host dnf install -y amazon-cloudwatch-agent rsyslog
install_file "$DSM_AMI_DIR/files/rsyslog.d/30-dsm.conf" /etc/rsyslog.d/30-dsm.conf 0644
install_file "$DSM_AMI_DIR/files/logrotate.d/dsm" /etc/logrotate.d/dsm 0644
ensure_dir /var/log/dsm 0750 root:root
run_host systemctl enable rsyslog.service
log "log shipping installed (rsyslog rules for the DSM units; CloudWatch agent configured by user data)"
