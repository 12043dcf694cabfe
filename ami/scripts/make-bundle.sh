#!/usr/bin/env bash
# make bundle: the DSM services plus their production dependencies as one tarball,
# dist/dsm-<version>.tgz, which the AMI unpacks into /opt/dsm. tsx is a production dependency,
# so `dsm` runs from the TypeScript sources with no build step. The tarball also carries the
# config-derived host files of every environment (host/<env>/: host.env and systemd units).
#
# Env: DSM_ARCH (arm64 | x86_64, default arm64 like the Packer template): the CPU the native
#      parts of the dependencies (esbuild, under tsx) are installed for, whatever this machine is;
#      DSM_VERSION (default: package.json version), DSM_GIT_REVISION (default: git HEAD),
#      DSM_DIST (default: dist/ in the repository).
# Writes dist/dsm-<version>-<arch>.tgz and dist/dsm-<version>-<arch>.json (version, revision,
# arch, sha256), which the Packer template reads for the AMI tags.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo"

version="${DSM_VERSION:-$(node -p 'require("./package.json").version')}"
revision="${DSM_GIT_REVISION:-$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)}"
dist="${DSM_DIST:-$repo/dist}"
arch="${DSM_ARCH:-arm64}"
case "$arch" in
  arm64) npm_cpu=arm64 ;;
  x86_64) npm_cpu=x64 ;;
  *) echo "make-bundle: DSM_ARCH must be arm64 or x86_64, got \"$arch\"" >&2; exit 2 ;;
esac
[[ "$version" =~ ^[0-9A-Za-z._-]+$ ]] || { echo "make-bundle: DSM_VERSION must be letters, digits, . _ or -, got \"$version\"" >&2; exit 2; }

stage="$(mktemp -d "${TMPDIR:-/tmp}/dsm-bundle.XXXXXX")"
trap 'rm -rf "$stage"' EXIT
root="$stage/dsm"
mkdir -p "$root" "$dist"

# Only what runs on a host: sources, configs, the CLI, dashboards. Tests stay behind.
cp package.json package-lock.json "$root/"
dashboards=""
for dir in config services cli dashboards; do
  if [[ -d "$dir" ]]; then cp -R "$dir" "$root/$dir"; fi
done
if [[ -d "$root/dashboards" ]]; then dashboards=1; fi
find "$root" -name '*.test.ts' -delete

# Host files come from the repository's config, rendered the same way the tests check them.
npx --no-install tsx ami/render-host.ts --out "$root/host"

printf '%s\n' "$version" >"$root/VERSION"
printf '%s\n' "$revision" >"$root/REVISION"
printf '%s\n' "$arch" >"$root/ARCH"

# Production dependencies only, exactly as locked, for the target CPU (not this machine's).
(cd "$root" && npm ci --omit=dev --ignore-scripts --prefer-offline --no-audit --no-fund --loglevel=error --os=linux --cpu="$npm_cpu")

# The stacks' libraries are production dependencies of the repository (cdktf synth runs them)
# but nothing on a host imports them; they are most of the weight, so drop them when unused.
for pkg in @cdktf/provider-aws cdktf constructs; do
  if ! grep -rqE "from '$pkg(/|')" "$root/config" "$root/services" "$root/cli" ${dashboards:+"$root/dashboards"}; then
    rm -rf "${root:?}/node_modules/$pkg"
  fi
done

base="dsm-$version-$arch"
out="$dist/$base.tgz"
# Stable owner and order so the same sources give the same listing.
tar --sort=name --owner=0 --group=0 --numeric-owner -C "$stage" -czf "$out" dsm
sum="$(sha256sum "$out" | cut -d' ' -f1)"
printf '{"version":"%s","revision":"%s","arch":"%s","bundle":"%s","sha256":"%s"}\n' \
  "$version" "$revision" "$arch" "$base.tgz" "$sum" >"$dist/$base.json"
echo "bundle: $out ($(du -h "$out" | cut -f1), version $version, revision $revision, $arch)"
