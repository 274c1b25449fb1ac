#!/bin/bash
# Fetches .debs before the step that needs them, with apt's pipelined
# downloader, in a private apt root that shares nothing with the helper's own
# apt setup or the target's. Called twice in a cold build:
#  - while debootstrap's first stage resolves dependencies (about ten seconds
#    of its own shell and perl): every Priority: required package and apt
#    (what the minbase variant takes) from repos[0], into the target's apt
#    cache, where debootstrap validates them instead of fetching them one by
#    one with wget;
#  - while debootstrap's second stage configures the base system: the spec's
#    packages and their dependencies from every repo, into a directory of
#    their own (the second stage owns the target meanwhile), seeded with the
#    base system's .debs so that those are not fetched again. The install
#    stage moves them into the target's apt cache before its download.
# Best effort: a .deb missing there is fetched as before, and one that is not
# the version the target picks is never used (apt matches name, version and
# size; debootstrap also checks the checksum); the build ignores this step's
# failure. apt keeps its lists in STATE between the calls, so the second
# fetches only the indexes the first did not. Prints "prefetched N" last: the
# .debs this call fetched.
#   prefetch-debs.sh STATE ARCHIVES SEED|"" PACKAGE...
# STATE holds sources.list and, optionally, preferences (both written by the
# builder: the preferences keep out what debootstrap keeps out, such as
# usrmerge), SEED a directory whose .debs are already there.
set -euo pipefail
state=${1:?state directory}
archives=${2:?archives directory}
seed=${3-}
shift 3
[ $# -gt 0 ] || { echo "prefetch-debs.sh: no packages" >&2; exit 2; }
# apt's own files (the compressed index, nothing else) outside the tree and
# the images' directory: a full disk is told from those.
mkdir -p "$state/lists/partial" "$state/cache" "$state/parts" "$archives/partial"
: > "$state/status"
: > "$state/seeded"
if [ -n "$seed" ] && [ -d "$seed" ]; then
  find "$seed" -maxdepth 1 -name '*.deb' -printf '%f\n' > "$state/seeded"
  # Hard links: nothing is copied. A file the second stage removed meanwhile is simply not seeded.
  while IFS= read -r deb; do ln -f "$seed/$deb" "$archives/$deb" 2>/dev/null || true; done < "$state/seeded"
fi
preferences=/dev/null
if [ -f "$state/preferences" ]; then preferences=$state/preferences; fi
# Nothing of the helper's own apt setup: only these repos, the target's architecture.
opts=(-qq
  -o "Dir::Etc::SourceList=$state/sources.list" -o "Dir::Etc::SourceParts=$state/parts"
  -o "Dir::Etc::Parts=$state/parts" -o "Dir::Etc::PreferencesParts=$state/parts" -o "Dir::Etc::Preferences=$preferences"
  -o "Dir::State::Lists=$state/lists" -o "Dir::State::status=$state/status" -o "Dir::Cache=$state/cache"
  -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= -o Acquire::GzipIndexes=true
  -o "Dir::Cache::Archives=$archives" -o APT::Architecture=amd64 -o APT::Architectures=amd64
  -o Acquire::Languages=none -o Acquire::PDiffs=false -o Acquire::Check-Valid-Until=false
  -o APT::Install-Recommends=false -o APT::Sandbox::User=root -o Debug::NoLocking=true)
# A repo that fails here (unsigned under --allow-unsigned, say) leaves the
# others usable: what cannot be resolved without it fails the install below.
apt-get "${opts[@]}" update || echo "prefetch-debs.sh: apt-get update failed for some repos; going on with the rest" >&2
apt-get "${opts[@]}" install --download-only -y "$@" >/dev/null
# Only what this call fetched stays (the seed's links go; the same name is the same version).
while IFS= read -r deb; do rm -f "$archives/$deb"; done < "$state/seeded"
echo "prefetched $(find "$archives" -maxdepth 1 -name '*.deb' | wc -l)"
