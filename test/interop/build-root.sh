#!/usr/bin/env bash
# Builds (or reuses) the Debian sid root holding the real buildbox tools, and prints its path.
#
# The root is cached outside the clone, keyed by a hash of this recipe, so CI and later
# sessions on the same machine build it once. Set BST_CAS_RUN_PEERS_CACHE to move the cache.
set -euo pipefail

packages="buildbox gcc libc6-dev make"
mirror=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security | head -n1)
mirror=${mirror:-$(awk '/^deb / && !/security/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null)}
mirror=${mirror:-http://deb.debian.org/debian}

recipe="sid minbase $packages $mirror v1"
key=$(printf '%s' "$recipe" | sha256sum | cut -c1-16)
cache=${BST_CAS_RUN_PEERS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/bst-cas-run-peers}
root="$cache/sid-$key"

# Test files run in parallel and each asks for the root: one builds it, the others wait for it.
# Without the lock each built its own and replaced the root that tests had started to use.
command -v flock >/dev/null || { echo "build-root: flock is not installed (apt-get install util-linux)" >&2; exit 1; }
mkdir -p "$cache"
exec 9>"$cache/sid-$key.lock"
flock 9
if [ -f "$root/.complete" ]; then
  echo "$root"
  exit 0
fi

for tool in debootstrap chroot; do
  command -v "$tool" >/dev/null || { echo "build-root: $tool is not installed (apt-get install debootstrap)" >&2; exit 1; }
done

work="$root.partial.$$"
trap 'rm -rf "$work"' EXIT
log="$cache/build-$key.log"
{
  debootstrap --variant=minbase sid "$work" "$mirror"
  chroot "$work" apt-get -o Acquire::Check-Valid-Until=false update
  chroot "$work" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $packages
  chroot "$work" apt-get clean
  # Mount points a read-only root needs for bwrap.
  mkdir -p "$work/run" "$work/tmp" "$work/src" "$work/work"
} >"$log" 2>&1 || { echo "build-root: building the sid root failed; see $log" >&2; exit 1; }

for tool in recc buildbox-casd casupload casdownload gcc make; do
  [ -x "$work/usr/bin/$tool" ] || { echo "build-root: $tool missing from the sid root; see $log" >&2; exit 1; }
done
touch "$work/.complete"
rm -rf "$root"
mv "$work" "$root"
trap - EXIT
echo "$root"
