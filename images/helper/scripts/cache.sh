#!/bin/bash
# The build caches, on the engine's side: a named volume mounted at
# CACHE_DIR in the helper. One directory per entry, named by its key, under
# its kind:
#   images/KEY/image       a finished image's container file (gzip or raw), as streamed out
#   trees/KEY/tree.tar     an installed, cleaned tree (numeric owners, xattrs)
#   trees/KEY/bootstrap-status  dpkg's status right after the bootstrap (a delta install's
#                               simulation from scratch reads it)
#   bootstraps/KEY/tree.tar  a bootstrapped tree, before any package of the spec (without
#                          debootstrap's sources, lists, log and resolver: keep-bootstrap.sh)
#   KIND/KEY/entry.json    what the builder needs to use it (sizes, md5s, facts)
#   KIND/KEY/used          its mtime: when a build last used it (LRU, across kinds)
# An entry is written under KIND/.tmp-*, then renamed: a build never sees
# half an entry, and when two builds fill the same key the second rename
# fails harmlessly (the entry is there, equal by its key).
#
#   cache.sh get KIND KEY...       prints "### KEY" and entry.json for each complete entry; touches used
#   cache.sh put KIND KEY SOURCE [STATUS]
#                                  stores SOURCE (an image file, or a tree's directory and its
#                                  bootstrap STATUS file) with entry.json (on stdin), then
#                                  prints "stored" or "present"
#   cache.sh find-trees BASE_KEY   "### KEY" and entry.json of each tree whose entry names BASE_KEY
#   cache.sh restore trees|bootstraps KEY TARGET [STATUS_COPY]
#                                  unpacks a cached tree into the empty directory TARGET (and a
#                                  tree's bootstrap status to STATUS_COPY)
#   cache.sh restore-parts KEY PARTS INDEX:MOUNT_POINT...  (of an installed tree)
#                                  unpacks only those mount points' subtrees, each to PARTS/INDEX
#                                  (for images of mount points with none nested below them)
#   cache.sh evict MAX_BYTES       removes least recently used entries until the cache holds at most MAX_BYTES
#   cache.sh ls                    per entry: "### KEY BYTES USED_EPOCH KIND", then its entry.json
#   cache.sh prune-all             removes every entry
set -euo pipefail
root=${CACHE_DIR:-/var/cache/fuel-image}
kinds=(images trees bootstraps)
mkdir -p "${kinds[@]/#/$root/}"

valid_key() { [[ $1 =~ ^[0-9a-f]{64}$ ]] || { echo "cache.sh: bad key $1" >&2; exit 2; }; }
valid_kind() { [[ " ${kinds[*]} " = *" $1 "* ]] || { echo "cache.sh: bad kind $1" >&2; exit 2; }; }
payload() { if [ "$1" = images ]; then echo image; else echo tree.tar; fi; }
# The same tar options both ways: owners by number (the helper's passwd is
# not the target's), file capabilities and ACLs kept.
tar_opts=(--numeric-owner --xattrs --xattrs-include='*' --acls)

# A cached tree's directory (KIND KEY), marked as just used; exit 3 when it is gone.
open_tree() {
  valid_kind "$1"
  valid_key "$2"
  local entry=$root/$1/$2
  [ -f "$entry/tree.tar" ] || { echo "cache.sh: no cached tree $2 in $1 (evicted meanwhile?)" >&2; exit 3; }
  touch "$entry/used"
  echo "$entry"
}

# Every complete entry of every kind, newest use first: "EPOCH KIND/KEY".
entries_by_use() {
  find "${kinds[@]/#/$root/}" -mindepth 2 -maxdepth 2 -name used -not -path '*/.tmp-*' -printf '%T@ %h\n' | sort -rn
}

case ${1:?command} in
  get)
    kind=${2:?kind}
    valid_kind "$kind"
    shift 2
    for key in "$@"; do
      valid_key "$key"
      entry=$root/$kind/$key
      if [ -f "$entry/entry.json" ] && [ -f "$entry/$(payload "$kind")" ]; then
        touch "$entry/used"
        echo "### $key"
        cat "$entry/entry.json"
        echo
      fi
    done
    ;;
  put)
    kind=${2:?kind} key=${3:?key} source=${4:?source}
    valid_kind "$kind"
    valid_key "$key"
    dir=$root/$kind
    if [ -d "$dir/$key" ]; then touch "$dir/$key/used"; cat >/dev/null; echo present; exit 0; fi
    tmp=$(mktemp -d "$dir/.tmp-XXXXXXXX")
    trap 'rm -rf "$tmp"' EXIT
    if [ "$kind" = images ]; then
      cp "$source" "$tmp/image"
    else
      tar "${tar_opts[@]}" -C "$source" -cf "$tmp/tree.tar" .
      if [ -n "${5:-}" ]; then cp "$5" "$tmp/bootstrap-status"; fi
    fi
    cat >"$tmp/entry.json"
    touch "$tmp/used"
    sync -f "$tmp/entry.json" 2>/dev/null || true
    if mv -T "$tmp" "$dir/$key" 2>/dev/null; then
      trap - EXIT
      echo stored
    else
      echo present
    fi
    ;;
  find-trees)
    base=${2:?base key}
    valid_key "$base"
    for entry in "$root"/trees/*/; do
      entry=${entry%/}
      [ -f "$entry/entry.json" ] && [ -f "$entry/tree.tar" ] || continue
      if grep -qF "\"baseKey\":\"$base\"" "$entry/entry.json"; then
        echo "### ${entry##*/}"
        cat "$entry/entry.json"
        echo
      fi
    done
    ;;
  restore)
    kind=${2:?kind} key=${3:?key} target=${4:?target} status=${5:-}
    entry=$(open_tree "$kind" "$key")
    mkdir -p "$target"
    tar "${tar_opts[@]}" -C "$target" -xpf "$entry/tree.tar"
    if [ -n "$status" ]; then
      [ -f "$entry/bootstrap-status" ] || { echo "cache.sh: tree $key has no bootstrap status" >&2; exit 3; }
      mkdir -p "$(dirname "$status")"
      cp "$entry/bootstrap-status" "$status"
    fi
    ;;
  restore-parts)
    key=${2:?key} parts=${3:?parts directory}
    shift 3
    entry=$(open_tree trees "$key")
    mkdir -p "$parts"
    tmp=$(mktemp -d "$parts/.restore-XXXXXXXX")
    members=()
    for item in "$@"; do members+=(".${item#*:}"); done
    # One pass over the archive for all of them; a mount point the tree lacks is an empty directory.
    if ! err=$(tar "${tar_opts[@]}" -C "$tmp" -xpf "$entry/tree.tar" "${members[@]}" 2>&1); then
      if grep -v -e 'Not found in archive' -e 'Exiting with failure status' <<<"$err" | grep -q .; then echo "$err" >&2; exit 1; fi
    fi
    for item in "$@"; do
      index=${item%%:*} mount=${item#*:}
      if [ -L "$tmp$mount" ] || { [ -e "$tmp$mount" ] && [ ! -d "$tmp$mount" ]; }; then
        echo "fuel-image: mount point $mount is not a directory in the image: give the real directory in image_data" >&2
        exit 3
      fi
      if [ -d "$tmp$mount" ]; then mv -T -- "$tmp$mount" "$parts/$index"; else mkdir -m 0755 -- "$parts/$index"; fi
    done
    rm -rf "$tmp"
    ;;
  evict)
    max=${2:?max bytes}
    # Leftovers of builds that died while storing (older than an hour).
    find "${kinds[@]/#/$root/}" -mindepth 1 -maxdepth 1 -name '.tmp-*' -mmin +60 -exec rm -rf {} +
    total=0
    # Newest first: keep entries while they fit, remove the rest.
    while read -r _ entry; do
      size=$(du -sb "$entry" | cut -f1)
      if ((total + size <= max)); then
        total=$((total + size))
      else
        rm -rf "$entry"
        echo "evicted ${entry##*/} $size"
      fi
    done < <(entries_by_use)
    echo "total $total"
    ;;
  ls)
    while read -r used entry; do
      kind=${entry%/*}
      kind=${kind##*/}
      [ -f "$entry/entry.json" ] && [ -f "$entry/$(payload "$kind")" ] || continue
      echo "### ${entry##*/} $(du -sb "$entry" | cut -f1) ${used%.*} $kind"
      cat "$entry/entry.json"
      echo
    done < <(entries_by_use)
    ;;
  prune-all)
    find "${kinds[@]/#/$root/}" -mindepth 1 -maxdepth 1 -exec rm -rf {} +
    ;;
  *)
    echo "cache.sh: unknown command $1" >&2
    exit 2
    ;;
esac
