#!/usr/bin/env bash
# Installs nats-server at a pinned version into /usr/local/bin, verified by SHA-256 against the
# sums pinned below, plus its user and config directories. The config itself is rendered at
# boot (nats-server.service ExecStartPre), never baked: node identity comes from user data.
#
# Env: DSM_ROOT (default /), DSM_ARCH (arm64 | x86_64, default: this machine),
#      NATS_TARBALL (use this file instead of downloading; tests, air-gapped builds),
#      NATS_SHA256 (expected sum of NATS_TARBALL when it is not the pinned release).
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

NATS_VERSION="2.10.29"
# Sums of the release tarballs, as published with the release and pinned by nats-io/nats-docker.
declare -A NATS_SUMS=(
  [arm64]="da4b27942ecfb4c5f0c54553d2e7f470ddda9d7581cfe8131b351a0e223ed401"
  [amd64]="e314da74a83a1d3876db8814c27eb990fe729640fd6452025b441bcede8390da"
)

arch="${DSM_ARCH:-$(uname -m)}"
case "$arch" in
  arm64 | aarch64) nats_arch=arm64 ;;
  x86_64 | amd64) nats_arch=amd64 ;;
  *) die "unsupported architecture \"$arch\" (arm64 or x86_64)" ;;
esac
name="nats-server-v${NATS_VERSION}-linux-${nats_arch}"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if [[ -n "${NATS_TARBALL:-}" ]]; then
  [[ -f "$NATS_TARBALL" ]] || die "NATS_TARBALL=$NATS_TARBALL does not exist"
  tarball="$NATS_TARBALL"
  expected="${NATS_SHA256:-${NATS_SUMS[$nats_arch]}}"
else
  tarball="$work/$name.tar.gz"
  log "downloading $name"
  curl --fail --silent --show-error --location --retry 3 --output "$tarball" \
    "https://github.com/nats-io/nats-server/releases/download/v${NATS_VERSION}/${name}.tar.gz"
  expected="${NATS_SUMS[$nats_arch]}"
fi

actual="$(sha256sum "$tarball" | cut -d' ' -f1)"
if [[ "$actual" != "$expected" ]]; then
  die "checksum mismatch for $(basename "$tarball"): expected $expected, got $actual"
fi

tar -xzf "$tarball" -C "$work"
binary="$work/$name/nats-server"
[[ -f "$binary" ]] || die "$(basename "$tarball") has no $name/nats-server"
install_file "$binary" /usr/local/bin/nats-server 0755

ensure_system_user nats
# Root writes the rendered config and TLS material; the server reads them through its group.
# setgid, so files root creates here (the config rendered at boot) belong to group nats.
ensure_dir /etc/nats 2750 root:nats
ensure_dir /etc/nats/tls 2750 root:nats
log "nats-server $NATS_VERSION ($nats_arch) installed"
