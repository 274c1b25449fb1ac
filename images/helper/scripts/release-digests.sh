#!/bin/bash
# The cache's view of the mirrors: one line per repo with the sha256 of its
# InRelease (or, failing that, Release) file as the mirror serves it now, or
# "missing". A mirror update changes the line, and with it every cache key
# that depends on the repo.
#   release-digests.sh BASE_URI...   (each ending in "/", as releaseBaseUri gives it)
set -uo pipefail
for base in "$@"; do
  digest=missing
  for name in InRelease Release; do
    if sum=$(set -o pipefail; wget -q --tries=3 --timeout=30 -O - "$base$name" | sha256sum); then
      digest="${sum%% *} $name"
      break
    fi
  done
  echo "$digest"
done
