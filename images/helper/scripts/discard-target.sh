#!/bin/bash
# Throws trees away: a target so the build can start over in the same
# helper (a delta install apt did not agree with), or every tree once the
# images are made, while they stream out (the helper's removal then has
# little left to delete). /proc and /sys unmounted first, and rm stays on
# each tree's own filesystem whatever is still mounted.
#   discard-target.sh DIR...
set -euo pipefail
for t in "$@"; do
  for fs in sys proc; do
    if mountpoint -q "$t/$fs"; then umount "$t/$fs" 2>/dev/null || umount -l "$t/$fs"; fi
  done
  rm -rf --one-file-system "$t"
done
