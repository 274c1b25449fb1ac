#!/bin/bash
# Fuel's own image pipeline, as fuel-agent's do_build_image ran it, inside
# the helper image: debootstrap (Fuel's default variant and extra packages,
# no eatmydata), apt-get install in the chroot (fsyncs and all), one
# initramfs per kernel install as the packages ask, then the filesystems
# (mke2fs -d stands in for Fuel's loop device and copy, which is slower)
# and single-threaded gzip -9 (imaging.sh is sourced first).
#   fuel-pipeline.sh MIRROR SUITE PACKAGE...
set -euo pipefail
mirror=${1:?mirror} suite=${2:?suite}
shift 2
t=/tmp/fuel-chroot

mark bootstrap
debootstrap --include=ca-certificates,apt-transport-https --no-check-gpg --arch=amd64 "$suite" "$t" "$mirror" >/tmp/debootstrap.out 2>&1 || { tail -30 /tmp/debootstrap.out >&2; exit 1; }

mark install
mount -t proc proc "$t/proc"
mount -t sysfs sysfs "$t/sys"
printf '#!/bin/sh\nexit 101\n' > "$t/usr/sbin/policy-rc.d"
chmod 755 "$t/usr/sbin/policy-rc.d"
echo "deb $mirror $suite main" > "$t/etc/apt/sources.list"
# Like for like with the other modes: no recommends.
echo 'APT::Install-Recommends "false";' > "$t/etc/apt/apt.conf.d/01fuel-no-recommends"
chroot "$t" apt-get update >/dev/null
DEBIAN_FRONTEND=noninteractive chroot "$t" apt-get -y install "$@" >/tmp/install.out 2>&1 || { tail -30 /tmp/install.out >&2; exit 1; }
rm -f "$t/usr/sbin/policy-rc.d"
umount "$t/proc" "$t/sys"

mark filesystems
make_images "$t"

mark compress
gzip -9 -n /tmp/root.img
gzip -9 -n /tmp/boot.img
mark done
ls -l /tmp/*.img.gz >&2
