#!/bin/bash
# Readies a bootstrapped target for the package install: /proc and /sys,
# a user keyring (if one was uploaded), update-initramfs deferred to the end,
# upstart's initctl stubbed (when asked), and a report of the target's apt
# version and whether eatmydata reaches processes in it.
#   prepare-target.sh TARGET KEYRING|"" upstart|systemd
set -euo pipefail
t=${1:?target directory}
keyring=${2:-}
init=${3:-systemd}

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
# Asked for: a delta install makes one only then (finish-install.sh requested).
: > /.fuel-image-initramfs-requested
exit 0
STUB
chmod 0755 "$t/usr/sbin/update-initramfs"

# Upstart's jobs start through initctl, not invoke-rc.d: no daemon may start
# in the build, so initctl answers "done" until finish-install.sh restores it.
if [ "$init" = upstart ]; then
  chroot "$t" dpkg-divert --local --rename --divert /sbin/initctl.fuel-image --add /sbin/initctl >/dev/null
  ln -sf /bin/true "$t/sbin/initctl"
fi

echo "apt $(chroot "$t" dpkg-query -W -f '${Version}' apt)"
if [ -n "${LD_PRELOAD:-}" ] && chroot "$t" cat /proc/self/maps | grep -qF "$LD_PRELOAD"; then
  echo "eatmydata active"
else
  echo "eatmydata inactive"
fi
