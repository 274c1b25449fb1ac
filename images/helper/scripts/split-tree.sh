#!/bin/bash
# Cuts each nested mount point's subtree out of the target into its own
# directory, leaving an empty directory with the same owner and mode (the
# node mounts the other image there).
#   split-tree.sh TARGET PARTS INDEX:MOUNT_POINT...   (deepest first)
set -euo pipefail
t=${1:?target directory}
parts=${2:?parts directory}
shift 2
mkdir -p "$parts"
for item in "$@"; do
  index=${item%%:*}
  mount=${item#*:}
  # Resolved inside the chroot, so the target's own symlinks cannot point outside it.
  chroot "$t" mkdir -p -- "$mount"
  real=$(chroot "$t" readlink -f -- "$mount")
  if [ "$real" != "$mount" ]; then
    echo "fuel-image: mount point $mount is a symlink in the image (to $real): give the real directory in image_data" >&2
    exit 3
  fi
  mv -T -- "$t$mount" "$parts/$index"
  mkdir -- "$t$mount"
  chmod --reference="$parts/$index" -- "$t$mount"
  chown --reference="$parts/$index" -- "$t$mount"
done
