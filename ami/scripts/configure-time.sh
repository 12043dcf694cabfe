#!/usr/bin/env bash
# Time sync: chrony on Amazon Time Sync, with the ENA PTP hardware clock where the instance has
# one (chosen at every boot by dsm-time-source.service). Cross-host latency figures are only as
# good as the clocks of the hosts that stamped them.
#
# Env: DSM_ROOT (default /).
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

run_host dnf install -y chrony
install_file "$DSM_AMI_DIR/files/chrony/chrony.conf" /etc/chrony.conf 0644
install_file "$DSM_AMI_DIR/files/modprobe.d/dsm-ena.conf" /etc/modprobe.d/dsm-ena.conf 0644
ensure_dir /etc/chrony.d 0755
install_file "$DSM_AMI_DIR/files/systemd/dsm-time-source.service" /etc/systemd/system/dsm-time-source.service 0644
systemctl_root enable dsm-time-source.service
run_host systemctl enable chronyd.service
log "chrony configured (Amazon Time Sync; ENA PHC when present)"
