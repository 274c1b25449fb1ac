#!/bin/bash
# Prints what the metadata and the build's checks need from the target, in
# sections the builder parses: the release, every installed package, and
# what the tree holds of what Fuel's node agent uses on the node.
set -euo pipefail
t=${1:?target directory}
has() { if [ -e "$t$1" ] || [ -L "$t$1" ]; then echo "$2 yes"; else echo "$2 no"; fi; }
echo '### os-release'
cat "$t/etc/os-release" 2>/dev/null || cat "$t/usr/lib/os-release" 2>/dev/null || true
echo '### debian_version'
cat "$t/etc/debian_version" 2>/dev/null || true
echo '### packages'
chroot "$t" dpkg-query -W -f '${Package}\t${Version}\t${Status}\n'
echo '### tree'
has /usr/sbin/sshd sshd
if [ -e "$t/usr/sbin/grub-install" ] || [ -e "$t/sbin/grub-install" ]; then echo 'grub-install yes'; else echo 'grub-install no'; fi
if [ -e "$t/usr/sbin/grub-mkconfig" ] || [ -e "$t/sbin/grub-mkconfig" ]; then echo 'grub-mkconfig yes'; else echo 'grub-mkconfig no'; fi
has /sbin/ifup ifupdown
