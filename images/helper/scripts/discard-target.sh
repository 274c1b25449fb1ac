#!/bin/bash
# Throws a target away so the build can start over in the same helper (a
# delta install apt did not agree with): its /proc and /sys unmounted first,
# and rm stays on the target's own filesystem whatever is still mounted.
#   discard-target.sh TARGET
set -euo pipefail
t=${1:?target directory}
for fs in sys proc; do
  if mountpoint -q "$t/$fs"; then umount "$t/$fs" 2>/dev/null || umount -l "$t/$fs"; fi
done
rm -rf --one-file-system "$t"
