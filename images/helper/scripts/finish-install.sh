#!/bin/bash
# After the install: the real update-initramfs (and initctl) back, one
# initramfs per installed kernel, and the target's /proc and /sys unmounted.
# "requested" (a delta install on a cached tree, which has its initramfs):
# only if a package asked the stub for one. "aside": none here, the builder
# has them made on a copy of the tree while the root image is made
# (initramfs-aside.sh).
#   finish-install.sh TARGET upstart|systemd all|requested|aside
set -euo pipefail
t=${1:?target directory}
init=${2:-systemd}
when=${3:-all}
requested=no
if [ -e "$t/.fuel-image-initramfs-requested" ]; then requested=yes; fi
rm -f "$t/.fuel-image-initramfs-requested"

rm -f "$t/usr/sbin/update-initramfs"
chroot "$t" dpkg-divert --local --rename --divert /usr/sbin/update-initramfs.fuel-image --remove /usr/sbin/update-initramfs >/dev/null
if [ "$init" = upstart ]; then
  rm -f "$t/sbin/initctl"
  chroot "$t" dpkg-divert --local --rename --divert /sbin/initctl.fuel-image --remove /sbin/initctl >/dev/null
fi

if [ "$when" = aside ]; then
  echo "fuel-image: the initramfs is made beside the root image"
elif [ "$when" = requested ] && [ "$requested" = no ]; then
  echo "fuel-image: no package asked for a new initramfs: the cached tree's stays"
else
  bash "$(dirname "$0")/make-initramfs.sh" "$t"
fi

# A process left in the target keeps it busy: fall back to a lazy unmount.
for fs in sys proc; do
  umount "$t/$fs" 2>/dev/null || umount -l "$t/$fs"
done
