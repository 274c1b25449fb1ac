#!/bin/bash
# debootstrap's second stage inside the target, with dpkg's fsyncs skipped.
# The helper's libeatmydata is copied to the same path inside the target, so
# the LD_PRELOAD the builder sets resolves on both sides of chroot. A target
# whose libc is older than the one the library was built against (bullseye,
# focal and older: "version GLIBC_2.34 not found") cannot load it, and an
# unloadable LD_PRELOAD kills every process: such a target gets dpkg's own
# --force-unsafe-io instead. Prints "io eatmydata" or "io unsafe-io" last.
set -euo pipefail
t=${1:?target directory}
cp -a /.fuel-image "$t/"
if [ -n "${LD_PRELOAD:-}" ] && chroot "$t" /bin/true 2>/dev/null; then
  io=eatmydata
else
  io=unsafe-io
  unset LD_PRELOAD
  # Removed by clean-target.sh with everything else named fuel-image.
  mkdir -p "$t/etc/dpkg/dpkg.cfg.d"
  echo force-unsafe-io > "$t/etc/dpkg/dpkg.cfg.d/fuel-image-unsafe-io"
fi
chroot "$t" /debootstrap/debootstrap --second-stage
echo "io $io"
