#!/bin/bash
# One initramfs per installed kernel, made (or updated) by the tree's own
# update-initramfs in a chroot whose /proc and /sys are mounted. Prints
# "initrd VERSION" for each one made.
#   make-initramfs.sh ROOT
set -euo pipefail
t=${1:?tree}
if [ -x "$t/usr/sbin/update-initramfs" ] && [ -d "$t/lib/modules" ]; then
  # mkinitramfs' working files (about 300 MB, in /var/tmp) on a tmpfs:
  # seconds less on a slow disk, and nothing of them left in the tree.
  mkdir -p "$t/var/tmp"
  mount -t tmpfs -o mode=1777 tmpfs "$t/var/tmp"
  trap 'umount "$t/var/tmp" 2>/dev/null || umount -l "$t/var/tmp"' EXIT
  for dir in "$t"/lib/modules/*/; do
    [ -d "$dir" ] || continue
    version=$(basename "$dir")
    mode=-c
    if [ -e "$t/boot/initrd.img-$version" ]; then mode=-u; fi
    echo "fuel-image: making the initramfs for $version (once)"
    chroot "$t" update-initramfs "$mode" -k "$version"
    echo "initrd $version"
  done
else
  echo "fuel-image: no kernel or no initramfs-tools in the image: no initramfs to make"
fi
