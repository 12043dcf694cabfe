#!/usr/bin/env bash
# Kernel and network tuning: sysctls, open-file limits, transparent huge pages off, and (when the
# config asks, host.isolateServiceCores) isolated cores for the services. The CPU governor and
# IRQ affinity are applied at every boot by dsm-cpu-tune.service (install-units.sh).
#
# Env: DSM_ROOT (default /). Reads /etc/dsm/host.env (install-dsm.sh).
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
load_host_env

install_file "$DSM_AMI_DIR/files/sysctl.d/90-dsm.conf" /etc/sysctl.d/90-dsm.conf 0644
run_host sysctl --system

write_file /etc/security/limits.d/90-dsm.conf 0644 <<LIMITS
# Open files for login sessions of the service users (the services themselves get LimitNOFILE
# from their units); one descriptor per client or route connection. From config host.nofile.
dsm   soft nofile $DSM_NOFILE
dsm   hard nofile $DSM_NOFILE
nats  soft nofile $DSM_NOFILE
nats  hard nofile $DSM_NOFILE
LIMITS

install_file "$DSM_AMI_DIR/files/tmpfiles.d/dsm-thp.conf" /etc/tmpfiles.d/dsm-thp.conf 0644
run_host systemd-tmpfiles --create /etc/tmpfiles.d/dsm-thp.conf

if [[ "$DSM_ISOLATE_CORES" == 1 ]]; then
  # Keep the scheduler, timer ticks and RCU callbacks off the service cores; takes effect at
  # the next boot, which every instance launched from the image has.
  run_host grubby --update-kernel=ALL --args="$DSM_BOOT_ARGS"
  write_file /etc/dsm/boot-args 0644 <<<"$DSM_BOOT_ARGS"
  log "boot arguments added: $DSM_BOOT_ARGS"
else
  rm -f "$(rootpath /etc/dsm/boot-args)"
  log "service cores not isolated (host.isolateServiceCores is off)"
fi
