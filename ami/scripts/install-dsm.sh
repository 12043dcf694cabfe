#!/usr/bin/env bash
# Installs the Node runtime and the DSM bundle (`make bundle`) into /opt/dsm, the `dsm` command
# on PATH, the dsm user, and the baked environment file /etc/dsm/dsm.env.
#
# Env: DSM_ROOT (default /), DSM_BUNDLE (the bundle tarball; required),
#      DSM_ENV (environment this image serves, default prod),
#      DSM_NODE_BIN (Node executable the wrapper runs, default /usr/bin/node-20: AL2023 namespaces
#      Node by major version, so this keeps working whatever `alternatives` points node at).
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

bundle="${DSM_BUNDLE:?DSM_BUNDLE must name the bundle tarball from make bundle}"
env_name="${DSM_ENV:-prod}"
node_bin="${DSM_NODE_BIN:-/usr/bin/node-20}"
[[ -f "$bundle" ]] || die "DSM_BUNDLE=$bundle does not exist"

run_host dnf install -y nodejs20

# Unpack beside the old tree and swap, so a re-run never leaves a half-old /opt/dsm.
opt="$(rootpath /opt/dsm)"
mkdir -p "$(dirname "$opt")"
staging="$(mktemp -d "$opt.new.XXXXXX")"
trap 'rm -rf "$staging"' EXIT
tar -xzf "$bundle" -C "$staging" --no-same-owner
[[ -f "$staging/dsm/cli/bin/dsm.js" ]] || die "$(basename "$bundle") is not a DSM bundle (no dsm/cli/bin/dsm.js)"
[[ -d "$staging/dsm/host/$env_name" ]] || die "the bundle has no host files for DSM_ENV=$env_name (has: $(find "$staging/dsm/host" -mindepth 1 -maxdepth 1 -printf "%f ")))"
bundle_arch="$(cat "$staging/dsm/ARCH" 2>/dev/null || echo unknown)"
if is_live && [[ "$bundle_arch" != "$(uname -m | sed 's/aarch64/arm64/')" ]]; then
  die "the bundle was built for $bundle_arch, this machine is $(uname -m): run DSM_ARCH=... make bundle"
fi
# Sources are read-only to everyone but root; the services write only their StateDirectory.
chmod -R u=rwX,go=rX "$staging/dsm"
rm -rf "$opt"
mv "$staging/dsm" "$opt"

write_file /usr/local/bin/dsm 0755 <<WRAPPER
#!/bin/sh
# DSM command line from the baked bundle ($(cat "$opt/VERSION")); tsx runs the TypeScript sources.
exec $node_bin /opt/dsm/cli/bin/dsm.js "\$@"
WRAPPER

install_file "$opt/host/$env_name/host.env" /etc/dsm/host.env 0644

write_file /etc/dsm/dsm.env 0644 <<ENVFILE
# DSM service environment baked into the image. User data replaces this file with the
# instance's values (stacks/user-data.ts: DSM_ENV, DSM_ROLE, DSM_NODE, DSM_IDENTITY, ...);
# optional extra arguments (DSM_INGEST_ARGS, DSM_SUBSCRIBE_ARGS, DSM_METRICS_ARGS) may go to
# /etc/dsm/instance.env.
DSM_ENV=$env_name
DSM_LOG_FORMAT=json
DSM_TLS_DIR=/etc/dsm/tls
ENVFILE

ensure_system_user dsm
ensure_dir /etc/dsm 0755
# Client certificates of this host's identity (written by user data from SSM).
ensure_dir /etc/dsm/tls 0750 root:dsm
log "DSM $(cat "$opt/VERSION") ($(cat "$opt/REVISION")) installed for env $env_name"
