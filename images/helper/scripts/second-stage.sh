#!/bin/bash
# debootstrap's second stage inside the target, with eatmydata preloaded.
# The library is copied to the same path inside the target, so the
# LD_PRELOAD the builder sets for this exec resolves on both sides of chroot
# and dpkg in the target skips its fsyncs.
set -euo pipefail
t=${1:?target directory}
cp -a /.fuel-image "$t/"
exec chroot "$t" /debootstrap/debootstrap --second-stage
