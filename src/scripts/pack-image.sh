#!/bin/bash
# Compresses one raw image (gzip container) and prints its figures as
# "raw_size raw_md5 container_size container_md5". The raw image's md5 runs
# beside pigz so the two reads overlap, and the compressed stream is hashed
# as it is written rather than read back. Arguments are paths the builder fixes.
set -euo pipefail
raw=${1:?raw image}
container=${2:?gzip|raw}

raw_size=$(stat -c %s "$raw")
if [ "$container" = gzip ]; then
  md5sum "$raw" > "$raw.md5" &
  md5_pid=$!
  # -n: no name or timestamp in the header, so equal content gives equal files.
  container_md5=$(pigz -n -6 -c "$raw" | tee "$raw.gz" | md5sum | cut -d' ' -f1)
  wait "$md5_pid"
  raw_md5=$(cut -d' ' -f1 "$raw.md5")
  out="$raw.gz"
  rm -f "$raw" "$raw.md5"
else
  raw_md5=$(md5sum "$raw" | cut -d' ' -f1)
  out="$raw"
  container_md5=$raw_md5
fi
echo "$raw_size $raw_md5 $(stat -c %s "$out") $container_md5"
