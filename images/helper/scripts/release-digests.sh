#!/bin/bash
# The mirrors as the build starts: one line per repo, in the order given.
#   "SHA256 NAME<TAB>VALID_UNTIL<TAB>COMPONENTS" for its InRelease (or, failing
#     that, Release) file: the digest the cache keys and the metadata keep (a
#     mirror update changes it), then the two fields the builder checks before
#     it bootstraps ("-" when the file has none);
#   "absent" when the server answered 404 for both files;
#   "missing" when it could not be read otherwise.
#   release-digests.sh BASE_URI...   (each ending in "/", as releaseBaseUri gives it)
set -uo pipefail
file=$(mktemp)
headers=$(mktemp)
trap 'rm -f "$file" "$headers"' EXIT
field() {
  # A field of the first paragraph, after an InRelease file's armour header.
  local value
  value=$(awk -v name="$1:" '
    NR == 1 && /^-----BEGIN PGP SIGNED MESSAGE-----$/ { armour = 1; next }
    armour { if ($0 == "") armour = 0; next }
    /^$/ || /^-----BEGIN PGP SIGNATURE-----$/ { exit }
    index($0, name) == 1 { sub(/^[^:]*:[ \t]*/, ""); print; exit }' "$file")
  echo "${value:--}"
}
for base in "$@"; do
  line=missing
  not_found=0
  for name in InRelease Release; do
    if wget -q -S --tries=3 --timeout=30 -O "$file" "$base$name" 2>"$headers"; then
      sum=$(sha256sum "$file")
      line="${sum%% *} $name"$'\t'"$(field Valid-Until)"$'\t'"$(field Components)"
      break
    fi
    grep -q '^  HTTP/[0-9.]* 404' "$headers" && not_found=$((not_found + 1))
  done
  [ "$line" = missing ] && [ "$not_found" = 2 ] && line=absent
  echo "$line"
done
