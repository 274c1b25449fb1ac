#!/bin/bash
# What a user assembles from mmdebstrap in three commands, inside the bench
# image (the helper plus mmdebstrap): the tree with apt's parallel
# downloads, then the same imaging as fuel-image (mke2fs -d, pigz side by
# side at fuel-image's default level, GZIP_LEVEL; imaging.sh is sourced first).
#   mmdebstrap.sh MIRROR SUITE PACKAGE...
set -euo pipefail
mirror=${1:?mirror} suite=${2:?suite}
shift 2
t=/tmp/mm-root
packages=$(IFS=,; echo "$*")

mark bootstrap
mmdebstrap --mode=root --variant=apt --include="$packages" --aptopt='APT::Install-Recommends "false"' \
  "$suite" "$t" "deb $mirror $suite main" >/tmp/mmdebstrap.out 2>&1 || { tail -30 /tmp/mmdebstrap.out >&2; exit 1; }

mark filesystems
make_images "$t"

mark compress
pigz -n "-${GZIP_LEVEL:?}" /tmp/root.img &
pigz -n "-${GZIP_LEVEL:?}" /tmp/boot.img
wait
mark done
ls -l /tmp/*.img.gz >&2
