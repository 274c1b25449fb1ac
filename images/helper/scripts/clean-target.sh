#!/bin/bash
# Removes what the build put into the target and what must not be shared by
# every node provisioned from the image. Takes no spec values: only the
# target directory, which the builder fixes.
set -euo pipefail
t=${1:?target directory}

# The build's own apt settings: sources, pins, proxies, trust switches, keys.
rm -f "$t/etc/apt/sources.list" "$t"/etc/apt/sources.list.d/* \
      "$t"/etc/apt/preferences.d/fuel-image* "$t"/etc/apt/apt.conf.d/*fuel-image* \
      "$t"/etc/apt/trusted.gpg.d/fuel-image* "$t/usr/sbin/policy-rc.d" \
      "$t"/etc/dpkg/dpkg.cfg.d/fuel-image*
# Package caches and indexes: nothing a node needs, and stale by deploy time.
find "$t/var/cache/apt" "$t/var/lib/apt/lists" -type f -delete 2>/dev/null || true
rm -rf "$t/.fuel-image" "$t/debootstrap" "$t/.fuel-image-bootstrap" "$t/.fuel-image-initramfs-requested"
# debootstrap's log (world-readable) quotes every URL wget fetched, the
# mirror's credentials included; the build's own log has its output.
rm -f "$t/var/log/bootstrap.log"
find "$t/tmp" "$t/var/tmp" -mindepth 1 -delete 2>/dev/null || true

# Host identity copied in by debootstrap, and per-machine identity.
if [ ! -L "$t/etc/resolv.conf" ]; then : > "$t/etc/resolv.conf"; fi
echo localhost > "$t/etc/hostname"
printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n' > "$t/etc/hosts"
# Every node makes these for itself: an empty machine-id is filled on first
# boot; SSH host keys are made on first boot by the unit the build adds.
if [ -e "$t/etc/machine-id" ]; then : > "$t/etc/machine-id"; fi
rm -f "$t/var/lib/dbus/machine-id" "$t/var/lib/systemd/random-seed" "$t"/etc/ssh/ssh_host_*
