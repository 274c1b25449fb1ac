#!/bin/bash
# The mirrors as the build starts: one line per repo, in the order given.
#   "SHA256 NAME<TAB>VALID_UNTIL<TAB>COMPONENTS<TAB>INDEX_DIRS" for its
#     InRelease (or, failing that, Release) file: the digest the cache keys
#     and the metadata keep (a mirror update changes it), then what the
#     builder checks before it bootstraps: the Valid-Until and Components
#     fields and the directories of the index files listed ("-" for none);
#   "absent" when the server answered 404 for both files;
#   "missing" when it could not be read otherwise.
#   release-digests.sh BASE_URI...   (each ending in "/", as releaseBaseUri gives it)
set -uo pipefail
file=$(mktemp)
headers=$(mktemp)
trap 'rm -f "$file" "$headers"' EXIT
# The Release paragraph: after an InRelease file's armour header, before its
# signature; CRLF line ends are taken as LF.
paragraph() {
  awk '
    { sub(/\r$/, "") }
    NR == 1 && /^-----BEGIN PGP SIGNED MESSAGE-----$/ { armour = 1; next }
    armour { if ($0 == "") armour = 0; next }
    /^$/ || /^-----BEGIN PGP SIGNATURE-----$/ { exit }
    { print }' "$file"
}
field() {
  local value
  value=$(paragraph | awk -v name="$1:" 'index($0, name) == 1 { sub(/^[^:]*:[ \t]*/, ""); print; exit }')
  echo "${value:--}"
}
index_dirs() {
  paragraph | awk '
    /^ [0-9a-fA-F]+ +[0-9]+ +[^ ]+\/[^ ]+$/ {
      dir = $3; sub(/\/[^\/]*$/, "", dir)
      if (!(dir in seen)) { seen[dir] = 1; out = out (out == "" ? "" : " ") dir }
    }
    END { print (out == "" ? "-" : out) }'
}
for base in "$@"; do
  line=missing
  not_found=0
  for name in InRelease Release; do
    # --auth-no-challenge: credentials in the URI go with the first request,
    # as apt sends them (a private repo may answer 404 to anyone else).
    if wget -q -S --auth-no-challenge --tries=3 --timeout=30 -O "$file" "$base$name" 2>"$headers"; then
      sum=$(sha256sum "$file")
      line="${sum%% *} $name"$'\t'"$(field Valid-Until)"$'\t'"$(field Components)"$'\t'"$(index_dirs)"
      break
    fi
    grep -q '^  HTTP/[0-9.]* 404' "$headers" && not_found=$((not_found + 1))
  done
  [ "$line" = missing ] && [ "$not_found" = 2 ] && line=absent
  echo "$line"
done
