#!/bin/bash
# A copy of the freshly bootstrapped target for the bootstrap cache, as
# hard links (a second) so that it can be archived while the install goes
# on in the original, without what only this build may see: debootstrap's
# sources line and indexes (the mirror's URI, credentials included), its
# log (every URL it fetched), the .debs it left, the helper's resolver and
# host name, and the build's fsync switches (reopen-tree.sh puts back what
# a build needs). Files are only ever unlinked or replaced in the copy,
# never written in place: the original shares their inodes.
#   keep-bootstrap.sh TARGET COPY
set -euo pipefail
t=${1:?target directory}
copy=${2:?copy directory}
cp -a -l -- "$t" "$copy"
rm -f "$copy/etc/apt/sources.list" "$copy"/etc/apt/sources.list.d/* \
      "$copy/var/log/bootstrap.log" "$copy"/etc/dpkg/dpkg.cfg.d/fuel-image*
find "$copy/var/cache/apt" "$copy/var/lib/apt/lists" -type f -delete 2>/dev/null || true
rm -rf "$copy/.fuel-image" "$copy/debootstrap"
for name in resolv.conf hostname; do
  if [ ! -L "$copy/etc/$name" ]; then rm -f "$copy/etc/$name"; fi
done
if [ ! -e "$copy/etc/resolv.conf" ]; then : > "$copy/etc/resolv.conf"; fi
if [ ! -e "$copy/etc/hostname" ]; then echo localhost > "$copy/etc/hostname"; fi
