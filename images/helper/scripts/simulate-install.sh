#!/bin/bash
# Whether a delta install on a cached tree ends where an install from the
# bootstrap would: apt simulates installing the whole package list twice,
# once against dpkg's status right after the bootstrap (ADMIN_DIR/status, a
# copy inside the target) and once against the tree as it is. Prints
#   base PKG VERSION   installed right after the bootstrap
#   A PKG VERSION      what the install from the bootstrap would unpack
#   now PKG VERSION    installed in the cached tree
#   B PKG VERSION      what the delta install would unpack
#   Remv PKG           what the delta install would remove
# The builder compares the two end states (apt/delta-agrees.ts).
#   simulate-install.sh TARGET ADMIN_DIR PACKAGE...   (ADMIN_DIR as seen inside the target)
set -euo pipefail
t=${1:?target directory}
admin=${2:?admin directory}
shift 2

installed() { chroot "$t" dpkg-query "$@" -W -f '${Package} ${Version} ${db:Status-Status}\n' | awk -v tag="$tag" '$3 == "installed" { print tag, $1, $2 }'; }
simulate() { chroot "$t" apt-get -s -y "$@" | sed -n -E "s/^Inst ([^ ]+) (\[[^]]*\] )?\(([^ ]+) .*/$tag \1 \3/p; s/^Remv ([^ ]+).*/Remv \1/p"; }

tag=base installed --admindir="$admin"
tag=A simulate -o "Dir::State::status=$admin/status" install "$@"
tag=now installed
tag=B simulate install "$@"
