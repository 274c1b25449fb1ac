#!/bin/bash
# Makes one image from a directory in one go: sized from the content, made
# with mke2fs -d (no loop device, nothing mounted), shrunk, checked,
# compressed and hashed. Prints "raw_size raw_md5 container_size container_md5".
#   make-image.sh SOURCE_DIR RAW_FILE ext2|ext3|ext4 FEATURES gzip|raw GZIP_LEVEL
set -euo pipefail
src=${1:?source directory}
raw=${2:?raw image}
format=${3:?format}
features=${4:?features}
container=${5:?gzip|raw}
level=${6:?gzip level}
block=4096
# mke2fs's default bytes-per-inode: the image keeps it when the node grows it.
bytes_per_inode=16384

mkdir -p "$(dirname "$raw")"
blocks=$(du -s -x -B$block "$src" | cut -f1)
inodes=$(du -s -x --inodes "$src" | cut -f1)
# Content plus 25 % and room for the journal; enough inodes at the default
# ratio (30 % spare); at least 16 MiB. resize2fs -M takes the slack back.
for_data=$(( (blocks * 5 + 3) / 4 + 128 * 1024 * 1024 / block ))
for_inodes=$(( (inodes * 13 * bytes_per_inode / 10 + block - 1) / block ))
size=$(( for_data > for_inodes ? for_data : for_inodes ))
size=$(( size > 16 * 1024 * 1024 / block ? size : 16 * 1024 * 1024 / block ))
echo "fuel-image: $src: $blocks blocks, $inodes inodes of content; making $size blocks" >&2

mke2fs -q -F -t "$format" -b $block -I 256 -i $bytes_per_inode -O "$features" -E root_owner=0:0 -d "$src" "$raw" "$size" >&2
resize2fs -M "$raw" >&2
count=$(dumpe2fs -h "$raw" 2>/dev/null | sed -n 's/^Block count:[[:space:]]*//p')
# resize2fs shrinks the filesystem, not the file holding it.
truncate -s $(( count * block )) "$raw"
e2fsck -fn "$raw" >&2
# What mke2fs really turned on, for the builder to check against its table.
echo "features $(dumpe2fs -h "$raw" 2>/dev/null | sed -n 's/^Filesystem features:[[:space:]]*//p')"

raw_size=$(stat -c %s "$raw")
if [ "$container" = gzip ]; then
  # The raw md5 runs beside pigz so the two reads overlap, and the gzip
  # stream is hashed as it is written rather than read back.
  md5sum "$raw" > "$raw.md5" &
  md5_pid=$!
  # -n: no name or timestamp in the header, so equal content gives equal files.
  container_md5=$(pigz -n "-$level" -c "$raw" | tee "$raw.gz" | md5sum | cut -d' ' -f1)
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
