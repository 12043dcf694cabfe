#!/usr/bin/env bash
# systemd units of the DSM services, rendered from the environment config (ami/units.ts, shipped
# in the bundle under host/<env>/systemd). They are installed but not enabled: user data enables
# the ones an instance's role runs. The boot-time tuning unit is enabled on every host.
#
# Env: DSM_ROOT (default /), DSM_ENV (default prod). Needs install-dsm.sh to have run.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

env_name="${DSM_ENV:-prod}"
units_dir="$(rootpath "/opt/dsm/host/$env_name/systemd")"
[[ -d "$units_dir" ]] || die "$units_dir is missing: run install-dsm.sh with the same DSM_ENV first"

for unit in "$units_dir"/*.service; do
  install_file "$unit" "/etc/systemd/system/$(basename "$unit")" 0644
done

install_file "$DSM_AMI_DIR/scripts/dsm-host-tune.sh" /usr/local/sbin/dsm-host-tune 0755
install_file "$DSM_AMI_DIR/files/systemd/dsm-cpu-tune.service" /etc/systemd/system/dsm-cpu-tune.service 0644
systemctl_root enable dsm-cpu-tune.service

# irqbalance would move the ENA interrupts back onto the service cores; masked, not just disabled,
# so nothing can pull it in again.
run_host systemctl stop irqbalance.service || log "irqbalance was not running"
systemctl_root mask irqbalance.service
run_host systemctl daemon-reload
log "units installed: $(cd "$units_dir" && echo *.service) (enable per role from user data)"
