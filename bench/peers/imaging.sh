# Sourced ahead of each peer script (bench.ts sends both on stdin): the
# imaging every peer shares, so the modes differ only where they claim to.
# Prints "mark STAGE EPOCH_MS" lines; the bench takes the stages from them.
mark() { echo "mark $1 $(date +%s%3N)"; }

# make_images TREE: "/boot" split off, then /tmp/root.img (ext4) and
# /tmp/boot.img (ext2) made with mke2fs -d, sized from their content.
make_images() {
  local tree=$1 part src img fs blocks
  mv "$tree/boot" /tmp/boot-part
  mkdir "$tree/boot"
  for part in "$tree:/tmp/root.img:ext4" "/tmp/boot-part:/tmp/boot.img:ext2"; do
    IFS=: read -r src img fs <<<"$part"
    blocks=$(( $(du -s -x -B4096 "$src" | cut -f1) * 5 / 4 + 32768 ))
    mke2fs -q -F -t "$fs" -b 4096 -d "$src" "$img" "$blocks"
  done
}
