#!/usr/bin/env bash
# Boot-time host tuning, installed as /usr/local/sbin/dsm-host-tune and run by
# dsm-cpu-tune.service and dsm-time-source.service. Safe to run again at any time.
#
#   dsm-host-tune governor      performance CPU governor on every CPU that offers it
#   dsm-host-tune irq-affinity  ENA interrupts onto the CPUs no enabled DSM service is pinned to
#   dsm-host-tune time-source   chrony refclock on the ENA PTP hardware clock, when there is one
#
# Env: DSM_ROOT (default /: the tests point it at a fake /proc, /sys and /dev),
#      DSM_SERVICES (space-separated nats ingest subscriber metrics: the services this host runs;
#      default: DSM_ROLE from /etc/dsm/dsm.env, written by user data, else the enabled units),
#      plus the CPU lists from /etc/dsm/host.env.
set -euo pipefail

ROOT="${DSM_ROOT:-/}"
ROOT="${ROOT%/}"

log() { printf 'dsm-host-tune: %s\n' "$*" >&2; }
die() { printf 'dsm-host-tune: error: %s\n' "$*" >&2; exit 1; }

# CPU list ("0-1,4") -> one CPU number per line.
expand_cpus() {
  local part
  local -a parts
  IFS=, read -r -a parts <<<"$1"
  for part in "${parts[@]}"; do
    [[ "$part" =~ ^[0-9]+(-[0-9]+)?$ ]] || die "not a CPU list: \"$1\""
    if [[ "$part" == *-* ]]; then seq "${part%-*}" "${part#*-}"; else echo "$part"; fi
  done
}

governor() {
  local dir found=0
  for dir in "$ROOT"/sys/devices/system/cpu/cpu[0-9]*/cpufreq; do
    [[ -f "$dir/scaling_governor" ]] || continue
    found=1
    if grep -qw performance "$dir/scaling_available_governors" 2>/dev/null; then
      echo performance >"$dir/scaling_governor"
    else
      log "$dir offers no performance governor; left as $(cat "$dir/scaling_governor")"
    fi
  done
  # Most Nitro instances expose no cpufreq: the hypervisor runs the cores at full speed.
  if [[ "$found" == 0 ]]; then log "no cpufreq on this instance: nothing to set"; fi
}

# Services this host runs: DSM_SERVICES, else its DSM_ROLE, else the DSM units enabled in multi-user.target.
host_services() {
  if [[ -n "${DSM_SERVICES:-}" ]]; then echo "$DSM_SERVICES"; return; fi
  if [[ -n "${DSM_ROLE:-}" ]]; then echo "$DSM_ROLE"; return; fi
  # The enable symlinks point at image paths (absolute), so test for the link, not its target.
  local wants="$ROOT/etc/systemd/system/multi-user.target.wants" out=() unit svc
  for unit in nats-server:nats dsm-ingest:ingest dsm-subscriber:subscriber; do
    svc="${unit#*:}"
    if [[ -L "$wants/${unit%%:*}.service" ]]; then out+=("$svc"); fi
  done
  echo "${out[*]}"
}

irq_affinity() {
  local host_env="$ROOT/etc/dsm/host.env"
  [[ -f "$host_env" ]] || die "$host_env is missing"
  # shellcheck source=/dev/null
  source "$host_env"
  # dsm.env (user data) names the host's role; an explicit DSM_ROLE/DSM_SERVICES still wins.
  local explicit_role="${DSM_ROLE:-}"
  if [[ -f "$ROOT/etc/dsm/dsm.env" ]]; then
    # shellcheck source=/dev/null
    source "$ROOT/etc/dsm/dsm.env"
  fi
  DSM_ROLE="${explicit_role:-${DSM_ROLE:-}}"

  local -A busy=()
  local svc var cpu
  for svc in $(host_services); do
    case "$svc" in
      nats) var="${DSM_CPUS_NATS:-}" ;;
      ingest) var="${DSM_CPUS_INGEST:-}" ;;
      subscriber) var="${DSM_CPUS_SUBSCRIBER:-}" ;;
      metrics) continue ;; # not latency-critical; shares the housekeeping cores
      *) die "unknown service \"$svc\" in DSM_SERVICES (nats ingest subscriber metrics)" ;;
    esac
    for cpu in $(expand_cpus "$var"); do busy[$cpu]=1; done
  done

  local online
  online="$(cat "$ROOT/sys/devices/system/cpu/online")"
  local -a free=()
  for cpu in $(expand_cpus "$online"); do [[ -n "${busy[$cpu]:-}" ]] || free+=("$cpu"); done
  if [[ ${#free[@]} -eq 0 ]]; then
    log "every online CPU ($online) runs a DSM service: IRQ affinity left unchanged"
    return 0
  fi
  local all_free
  all_free="$(IFS=,; echo "${free[*]}")"

  # ENA names its IRQs ena-mgmnt@<pci> (admin queue) and <ifname>-Tx-Rx-<n> (one per I/O queue).
  local irq name target n=0 count=0
  while read -r irq name; do
    if [[ "$name" == ena-mgmnt* ]]; then
      target="$all_free"
    else
      # Queues round-robin over the free CPUs, so receive processing still spreads out.
      target="${free[$((n % ${#free[@]}))]}"
      n=$((n + 1))
    fi
    local file="$ROOT/proc/irq/$irq/smp_affinity_list"
    if [[ -w "$file" ]]; then
      echo "$target" >"$file"
      log "irq $irq ($name) -> cpu $target"
      count=$((count + 1))
    else
      log "irq $irq ($name): $file not writable, skipped"
    fi
  done < <(awk '$1 ~ /^[0-9]+:$/ && ($NF ~ /^ena-mgmnt/ || $NF ~ /-Tx-Rx-[0-9]+$/) { sub(":", "", $1); print $1, $NF }' "$ROOT/proc/interrupts")
  log "$count ENA interrupts pinned to CPUs $all_free (services on: $(host_services))"
}

time_source() {
  local conf="$ROOT/etc/chrony.d/dsm-phc.conf" name=""
  if [[ -e "$ROOT/dev/ptp0" && -r "$ROOT/sys/class/ptp/ptp0/clock_name" ]]; then
    name="$(cat "$ROOT/sys/class/ptp/ptp0/clock_name")"
  fi
  if [[ "$name" == ena* ]]; then
    mkdir -p "$(dirname "$conf")"
    cat >"$conf.tmp" <<'PHC'
# Written at boot by dsm-host-tune: this instance has the ENA PTP hardware clock, a
# hypervisor-disciplined clock read without a network round trip (tens of microseconds of
# error become single microseconds), so it is the preferred source.
refclock PHC /dev/ptp0 poll 0 delay 0.000010 prefer
PHC
    mv -f "$conf.tmp" "$conf"
    log "ENA PHC ($name) is the reference clock"
  else
    rm -f "$conf"
    log "no ENA PHC: Amazon Time Sync over NTP"
  fi
}

case "${1:-}" in
  governor) governor ;;
  irq-affinity) irq_affinity ;;
  time-source) time_source ;;
  *) echo "usage: dsm-host-tune governor|irq-affinity|time-source" >&2; exit 2 ;;
esac
