#!/bin/bash
# What the build needs to know before debootstrap runs: repos[0]'s Release
# file for the codename (its Origin tells Debian from Ubuntu, its
# Valid-Until whether it expired) and the scripts this debootstrap has.
#   probe-release.sh MIRROR CODENAME
# Exit 4 when the mirror answers 404 for both InRelease and Release.
set -uo pipefail
mirror=${1:?mirror}
codename=${2:?codename}
echo '### scripts'
ls -1 /usr/share/debootstrap/scripts
echo '### release'
for name in InRelease Release; do
  if out=$(wget -O - --server-response "$mirror/dists/$codename/$name" 2>/tmp/probe.err); then
    printf '%s\n' "$out"
    exit 0
  fi
done
# wget's --server-response goes to stderr with the status line.
if grep -q ' 404 ' /tmp/probe.err; then exit 4; fi
cat /tmp/probe.err >&2
exit 1
