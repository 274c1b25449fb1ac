#!/bin/bash
# The finished-image cache, on the engine's side: a named volume mounted at
# CACHE_DIR in the helper. One directory per entry, named by its key:
#   images/KEY/image       the container file (gzip or raw), as streamed out
#   images/KEY/entry.json  what the builder needs to use it (sizes, md5s, facts)
#   images/KEY/used        its mtime: when a build last used it (LRU)
# An entry is written under images/.tmp-*, then renamed: a build never sees
# half an entry, and when two builds fill the same key the second rename
# fails harmlessly (the entry is there, equal by its key).
#
#   cache.sh get KEY...          prints "### KEY" and entry.json for each complete entry; touches used
#   cache.sh put KEY FILE        stores FILE with entry.json (on stdin), then prints "stored" or "present"
#   cache.sh evict MAX_BYTES     removes least recently used entries until the cache holds at most MAX_BYTES
#   cache.sh ls                  one line per entry: KEY BYTES USED_EPOCH, then the entry.json line
#   cache.sh prune-all           removes every entry
set -euo pipefail
dir=${CACHE_DIR:-/var/cache/fuel-image}/images
mkdir -p "$dir"

valid_key() { [[ $1 =~ ^[0-9a-f]{64}$ ]] || { echo "cache.sh: bad key $1" >&2; exit 2; }; }

case ${1:?command} in
  get)
    shift
    for key in "$@"; do
      valid_key "$key"
      if [ -f "$dir/$key/entry.json" ] && [ -f "$dir/$key/image" ]; then
        touch "$dir/$key/used"
        echo "### $key"
        cat "$dir/$key/entry.json"
        echo
      fi
    done
    ;;
  put)
    key=$2 file=$3
    valid_key "$key"
    if [ -d "$dir/$key" ]; then touch "$dir/$key/used"; cat >/dev/null; echo present; exit 0; fi
    tmp=$(mktemp -d "$dir/.tmp-XXXXXXXX")
    trap 'rm -rf "$tmp"' EXIT
    cp "$file" "$tmp/image"
    cat >"$tmp/entry.json"
    touch "$tmp/used"
    sync -f "$tmp/image" 2>/dev/null || true
    if mv -T "$tmp" "$dir/$key" 2>/dev/null; then
      trap - EXIT
      echo stored
    else
      echo present
    fi
    ;;
  evict)
    max=${2:?max bytes}
    # Leftovers of builds that died while storing (older than an hour).
    find "$dir" -mindepth 1 -maxdepth 1 -name '.tmp-*' -mmin +60 -exec rm -rf {} +
    total=0
    # Newest first: keep entries while they fit, remove the rest.
    while read -r _ entry; do
      key=${entry##*/}
      size=$(du -sb "$entry" | cut -f1)
      if ((total + size <= max)); then
        total=$((total + size))
      else
        rm -rf "$entry"
        echo "evicted $key $size"
      fi
    done < <(find "$dir" -mindepth 2 -maxdepth 2 -name used -not -path "$dir/.tmp-*" -printf '%T@ %h\n' | sort -rn)
    echo "total $total"
    ;;
  ls)
    find "$dir" -mindepth 2 -maxdepth 2 -name entry.json -not -path "$dir/.tmp-*" -printf '%h\n' | while read -r entry; do
      key=${entry##*/}
      [ -f "$entry/image" ] || continue
      echo "### $key $(du -sb "$entry" | cut -f1) $(stat -c %Y "$entry/used" 2>/dev/null || echo 0)"
      cat "$entry/entry.json"
      echo
    done
    ;;
  prune-all)
    find "$dir" -mindepth 1 -maxdepth 1 -exec rm -rf {} +
    ;;
  *)
    echo "cache.sh: unknown command $1" >&2
    exit 2
    ;;
esac
