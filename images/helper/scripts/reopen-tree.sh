#!/bin/bash
# Readies a cached tree (cleaned at the end of its build) for a delta
# install, as debootstrap and second-stage.sh readied the fresh one: the
# helper's resolver configuration (clean-target.sh emptied the tree's), the
# eatmydata library at its fixed path, or dpkg's unsafe-io where the tree's
# libc cannot load it. clean-target.sh removes all of it again.
#   reopen-tree.sh TARGET eatmydata|unsafe-io
set -euo pipefail
t=${1:?target directory}
io=${2:?eatmydata or unsafe-io}
if [ ! -L "$t/etc/resolv.conf" ]; then cp /etc/resolv.conf "$t/etc/resolv.conf"; fi
cp -a /.fuel-image "$t/"
if [ "$io" = unsafe-io ]; then
  mkdir -p "$t/etc/dpkg/dpkg.cfg.d"
  echo force-unsafe-io > "$t/etc/dpkg/dpkg.cfg.d/fuel-image-unsafe-io"
fi
