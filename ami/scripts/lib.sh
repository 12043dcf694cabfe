#!/usr/bin/env bash
# Shared helpers for the AMI provisioning scripts (sourced, never run).
#
# Every script writes below DSM_ROOT (default /) so that `make ami-check` can run it into a temp
# directory and inspect the files. Anything that would touch the live machine (dnf, systemctl
# start, sysctl -p, useradd, chown, grubby) goes through run_host, which only executes when
# DSM_ROOT is / and otherwise records the command in DSM_HOST_LOG (default: stderr).
set -euo pipefail

DSM_ROOT="${DSM_ROOT:-/}"
# Strip a trailing slash so "$DSM_ROOT/etc" never becomes "//etc" and paths compare equal.
if [[ "$DSM_ROOT" != "/" ]]; then DSM_ROOT="${DSM_ROOT%/}"; fi
export DSM_ROOT

# The directory the scripts live in; files/ sits next to it.
DSM_AMI_DIR="${DSM_AMI_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"

log() { printf 'dsm-ami: %s\n' "$*" >&2; }
die() { printf 'dsm-ami: error: %s\n' "$*" >&2; exit 1; }

is_live() { [[ "$DSM_ROOT" == "/" ]]; }

# Path of $1 (absolute, as on the image) inside the target root.
rootpath() {
  if is_live; then printf '%s' "$1"; else printf '%s%s' "$DSM_ROOT" "$1"; fi
}

# Run a command against the live host, or record it when building into a prefix.
run_host() {
  if is_live; then
    "$@"
  else
    local line="skipped (DSM_ROOT=$DSM_ROOT): $*"
    if [[ -n "${DSM_HOST_LOG:-}" ]]; then printf '%s\n' "$line" >>"$DSM_HOST_LOG"; else log "$line"; fi
  fi
}

# install_file SRC DEST MODE: copy SRC to DEST (an image path) with MODE, creating parents.
install_file() {
  local src="$1" dest mode="$3"
  dest="$(rootpath "$2")"
  install -D -m "$mode" "$src" "$dest"
}

# write_file DEST MODE < content: write stdin to DEST (an image path) with MODE.
write_file() {
  local dest mode="$2" tmp
  dest="$(rootpath "$1")"
  mkdir -p "$(dirname "$dest")"
  tmp="$(mktemp "$dest.XXXXXX")"
  cat >"$tmp"
  chmod "$mode" "$tmp"
  mv -f "$tmp" "$dest"
}

# ensure_dir DIR MODE [OWNER:GROUP]: create DIR (an image path) with MODE; ownership on live hosts only.
ensure_dir() {
  local dir mode="$2" owner="${3:-}"
  dir="$(rootpath "$1")"
  mkdir -p "$dir"
  chmod "$mode" "$dir"
  if [[ -n "$owner" ]]; then run_host chown "$owner" "$1"; fi
}

# ensure_system_user NAME: a locked system account with no login shell and no home.
ensure_system_user() {
  local name="$1"
  if is_live && id -u "$name" >/dev/null 2>&1; then return 0; fi
  run_host useradd --system --no-create-home --home-dir /nonexistent --shell /sbin/nologin --user-group "$name"
}

# systemctl against the target root: enable/mask work offline by writing symlinks, so they run in
# both modes; the live-only verbs (start, daemon-reload) go through run_host instead.
systemctl_root() {
  systemctl --root="$DSM_ROOT" --quiet "$@"
}

# load_host_env: the config-derived host values (CPU lists, nofile, boot args) the bundle carries
# for the environment this image is baked for (see ami/host-files.ts).
load_host_env() {
  local file
  file="$(rootpath /etc/dsm/host.env)"
  [[ -f "$file" ]] || die "$file is missing: run install-dsm.sh first (it installs the host values of DSM_ENV)"
  # shellcheck source=/dev/null
  source "$file"
}
