#!/bin/bash
# Feeds debootstrap: while its first stage resolves dependencies (about ten
# seconds of its own shell and perl), the helper's apt resolves the same set
# from the mirror's index (every Priority: required package, and apt: what
# the minbase variant takes) and fetches the .debs with its pipelined
# downloader into the target's apt cache, where debootstrap validates them
# instead of fetching them one by one with wget. Best effort: a .deb missing
# or wrong there is fetched by debootstrap as before (it checks each file's
# size and checksum); the build ignores this step's failure. Prints
# "prefetched N" last.
#   prefetch-debs.sh TARGET MIRROR SUITE KEYRING|""    ("": no signature check)
set -euo pipefail
t=${1:?target directory}
mirror=${2:?mirror}
suite=${3:?suite}
keyring=${4:-}
# apt's own files (the compressed index, nothing else) outside the tree and
# the images' directory, and gone when done: a full disk is told from those.
work=$(mktemp -d /tmp/fuel-image-prefetch.XXXXXX)
trap 'rm -rf "$work"' EXIT
archives=$t/var/cache/apt/archives
mkdir -p "$work/lists/partial" "$work/cache" "$work/parts" "$archives/partial"
: > "$work/status"
if [ -n "$keyring" ]; then trust="[signed-by=$keyring]"; else trust="[trusted=yes]"; fi
echo "deb $trust $mirror $suite main" > "$work/sources.list"
# Nothing of the helper's own apt setup: only this mirror, the target's architecture.
opts=(-qq
  -o "Dir::Etc::SourceList=$work/sources.list" -o "Dir::Etc::SourceParts=$work/parts"
  -o "Dir::Etc::Parts=$work/parts" -o "Dir::Etc::PreferencesParts=$work/parts" -o Dir::Etc::Preferences=/dev/null
  -o "Dir::State::Lists=$work/lists" -o "Dir::State::status=$work/status" -o "Dir::Cache=$work/cache"
  -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= -o Acquire::GzipIndexes=true
  -o "Dir::Cache::Archives=$archives" -o APT::Architecture=amd64 -o APT::Architectures=amd64
  -o Acquire::Languages=none -o Acquire::PDiffs=false -o Acquire::Check-Valid-Until=false
  -o APT::Install-Recommends=false -o APT::Sandbox::User=root -o Debug::NoLocking=true)
apt-get "${opts[@]}" update
apt-get "${opts[@]}" install --download-only -y '?priority(required)' apt >/dev/null
echo "prefetched $(find "$archives" -maxdepth 1 -name '*.deb' | wc -l)"
