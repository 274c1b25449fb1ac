#!/bin/bash
# The initramfs made on a hard-linked copy of the finished tree, so that the
# root image (which holds no /boot) is made and compressed meanwhile. Only
# for targets whose update-initramfs writes nothing outside /boot but its
# temporary files (initramfs-tools 0.140 and later: older ones record each
# initrd's sha1 in /var/lib/initramfs-tools, which is in the root image).
# A copy shares the tree's inodes: update-initramfs only creates files.
#   initramfs-aside.sh copy TARGET COPY     the copy, /proc and /sys mounted in it (before the clean-up)
#   initramfs-aside.sh make COPY            the initramfs, "initrd VERSION" for each
#   initramfs-aside.sh place COPY BOOT KEPT|"" VERSION...
#                                           moves each initrd into BOOT (the /boot image's directory),
#                                           and links it into KEPT (the tree cache's copy of /boot)
set -euo pipefail
case ${1:?command} in
  copy)
    t=${2:?target} copy=${3:?copy}
    cp -a -l -- "$t" "$copy"
    mount -t proc proc "$copy/proc"
    mount -t sysfs sysfs "$copy/sys"
    ;;
  make)
    copy=${2:?copy}
    # The helper's pigz compresses for mkinitramfs when the tree has none
    # (pigz-relay.sh): its shim lives in the copy only.
    relay=
    if [ ! -e "$copy/usr/bin/pigz" ] && [ ! -L "$copy/usr/bin/pigz" ] && command -v pigz >/dev/null; then
      bash "$(dirname "$0")/pigz-relay.sh" "$copy" &
      relay=$!
      trap 'kill -9 "$relay" 2>/dev/null || true' EXIT
      # In place before mkinitramfs looks for a pigz.
      for _ in $(seq 100); do [ -x "$copy/usr/bin/pigz" ] && break; sleep 0.05; done
      if [ -x "$copy/usr/bin/pigz" ]; then echo "fuel-image: mkinitramfs compresses with the helper's pigz"; fi
    fi
    # mkinitramfs' temporary files stay in the copy (/var/tmp) and go with it.
    bash "$(dirname "$0")/make-initramfs.sh" "$copy"
    for fs in sys proc; do
      umount "$copy/$fs" 2>/dev/null || umount -l "$copy/$fs"
    done
    ;;
  place)
    copy=${2:?copy} boot=${3:?boot directory} kept=${4:-}
    shift 4
    for version in "$@"; do
      mv -T -- "$copy/boot/initrd.img-$version" "$boot/initrd.img-$version"
      if [ -n "$kept" ]; then ln -- "$boot/initrd.img-$version" "$kept/initrd.img-$version"; fi
    done
    ;;
  *)
    echo "initramfs-aside.sh: unknown command $1" >&2
    exit 2
    ;;
esac
