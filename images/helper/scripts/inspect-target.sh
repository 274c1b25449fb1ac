#!/bin/bash
# Prints what the metadata needs from the target, in sections the builder
# parses: the release and every installed package with its version.
set -euo pipefail
t=${1:?target directory}
echo '### os-release'
cat "$t/etc/os-release" 2>/dev/null || cat "$t/usr/lib/os-release" 2>/dev/null || true
echo '### debian_version'
cat "$t/etc/debian_version" 2>/dev/null || true
echo '### packages'
chroot "$t" dpkg-query -W -f '${Package}\t${Version}\t${Status}\n'
