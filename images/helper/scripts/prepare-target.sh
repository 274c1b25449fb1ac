#!/bin/bash
# Readies a bootstrapped target for the package install: /proc and /sys,
# a user keyring (if one was uploaded), update-initramfs deferred to the end,
# and a report of whether eatmydata reaches processes in the target.
# Prints "eatmydata active" or "eatmydata inactive" on its last line.
set -euo pipefail
t=${1:?target directory}
keyring=${2:-}

mount -t proc proc "$t/proc"
mount -t sysfs sysfs "$t/sys"
if [ -n "$keyring" ]; then cp "$keyring" "$t/etc/apt/trusted.gpg.d/fuel-image-build.gpg"; fi

# The kernel, udev and friends each ask for a new initramfs (over a minute
# apiece on a slow machine): a stub answers them and finish-install.sh makes
# each one once.
chroot "$t" dpkg-divert --local --rename --divert /usr/sbin/update-initramfs.fuel-image --add /usr/sbin/update-initramfs >/dev/null
cat > "$t/usr/sbin/update-initramfs" <<'STUB'
#!/bin/sh
echo "fuel-image: update-initramfs $* deferred to the end of the install" >&2
exit 0
STUB
chmod 0755 "$t/usr/sbin/update-initramfs"

if [ -n "${LD_PRELOAD:-}" ] && chroot "$t" cat /proc/self/maps | grep -qF "$LD_PRELOAD"; then
  echo "eatmydata active"
else
  echo "eatmydata inactive"
fi
