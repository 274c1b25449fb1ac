#!/bin/bash
# Makes the helper's base image from a Debian mirror: debootstrap into a
# directory, then `docker import`. No container registry is involved, so this
# works on an air-gapped Fuel master that can reach a (local) Debian mirror.
#
#   images/base/make-base.sh                 # fuel-image-base:trixie, from the host's mirror
#   SUITE=bookworm NAME=fuel-image-base:bookworm MIRROR=http://mirror.local/debian images/base/make-base.sh
#   FORCE=1 images/base/make-base.sh         # rebuild even if it exists
#
# Needs root, debootstrap and the docker CLI on the host running it.
set -euo pipefail
suite=${SUITE:-trixie}
name=${NAME:-fuel-image-base:$suite}

if [ -z "${FORCE:-}" ] && docker image inspect "$name" >/dev/null 2>&1; then
  echo "base image $name exists (FORCE=1 rebuilds it)"
  exit 0
fi
command -v debootstrap >/dev/null || { echo "make-base: debootstrap is not installed (apt-get install debootstrap)" >&2; exit 1; }

# No mirror is fixed here: without MIRROR, ask fuel-image for the one it uses
# (FUEL_IMAGE_MIRROR, else the host's apt sources; src/input/host-mirror.ts).
# One implementation of that lookup rather than a second one in awk that could
# drift from it; node is needed for fuel-image anyway, and bin/fuel-image.js
# runs the sources through tsx, a production dependency (after `npm ci` in a
# checkout, always in the RPM and the builder image).
mirror=${MIRROR:-}
if [ -z "$mirror" ]; then
  mirror=$(node "$(dirname "$0")/../../bin/fuel-image.js" mirror) || {
    echo "make-base: no Debian mirror: set MIRROR (or FUEL_IMAGE_MIRROR), e.g. MIRROR=http://mirror.local/debian; from a checkout run npm ci first" >&2
    exit 1
  }
fi

dir=$(mktemp -d /var/tmp/fuel-image-base.XXXXXX)
trap 'rm -rf "$dir"' EXIT
echo "debootstrap $suite from $mirror ..."
debootstrap --variant=minbase "$suite" "$dir/root" "$mirror" >"$dir/debootstrap.log" 2>&1 || {
  tail -n 30 "$dir/debootstrap.log" >&2; exit 1; }
# The helper installs its tools from this mirror too; no caches in the base.
rm -rf "$dir"/root/var/cache/apt/archives/*.deb "$dir"/root/var/lib/apt/lists/*
tar -C "$dir/root" -c . | docker import \
  --change 'CMD ["/bin/bash"]' --change 'LABEL org.openstack.fuel-image=true org.openstack.fuel-image.role=base' \
  - "$name"
echo "base image $name created"
