#!/bin/bash
# Gives each pinned repo's downloaded Release file a Label of its own, so an
# apt pin can match that repo alone even when repos share a host or a suite.
#   label-releases.sh LISTS_DIR LABEL/CANDIDATE[/CANDIDATE...]...
# Candidates are the list file names apt may have used (InRelease first); the
# first present one is labelled. Prints "unlabelled LABEL" for a group with
# none (its pin then falls back to the origin host).
set -euo pipefail
lists=${1:?lists directory}
shift
for group in "$@"; do
  IFS=/ read -r -a names <<< "$group"
  label=${names[0]}
  labelled=
  for name in "${names[@]:1}"; do
    file="$lists/$name"
    [ -f "$file" ] || continue
    # The header paragraph starts at its first Release field (an InRelease
    # file has the PGP armour before it) and ends at a blank line or the
    # checksum lists. Its Label is replaced; apt reads fields in any order.
    awk -v label="$label" '
      !started && /^(Origin|Label|Suite|Version|Codename|Date|Valid-Until|Architectures|Components|Description|Acquire-By-Hash|NotAutomatic|ButAutomaticUpgrades|No-Support-for-Architecture-all|Changelogs|Snapshots):/ {
        started = 1; header = 1; print "Label: " label
      }
      header && (/^$/ || /^(MD5Sum|SHA1|SHA256|SHA512):/) { header = 0 }
      header && /^Label:/ { next }
      { print }
      END { if (!started) print "Label: " label }
    ' "$file" > "$file.fuel-image"
    cat "$file.fuel-image" > "$file"
    rm -f "$file.fuel-image"
    labelled=1
    break
  done
  if [ -z "$labelled" ]; then echo "unlabelled $label"; fi
done
