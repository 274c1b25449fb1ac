#!/bin/bash
# The helper's pigz for mkinitramfs in the initramfs copy of the tree
# (initramfs-aside.sh; the copy is thrown away once the initrd is out).
# mkinitramfs compresses with pigz when it finds one on its PATH and with
# gzip otherwise; few targets have pigz, and gzip of the cpio (about 130 MB
# with MODULES=most) takes about 7 s of the initramfs' critical path. A
# target's pigz could not be run from the helper anyway (another libc), so
# the copy gets a shim, /usr/bin/pigz, that hands its input to this relay
# through FIFOs under /run/fuel-image-pigz (stdin, or the files it is
# given, read in the tree) and prints what the helper's pigz made of it,
# with its exit status. Never used when the copy has a
# pigz of its own. Runs until killed, one compression after another.
#   pigz-relay.sh COPY
set -uo pipefail
copy=${1:?copy of the tree}
relay=/run/fuel-image-pigz
d=$copy$relay
# Links are the tree's own and would resolve in the helper: nothing is written through one.
if [ -e "$copy/usr/bin/pigz" ] || [ -L "$copy/usr/bin/pigz" ]; then echo "pigz-relay.sh: the tree has a pigz of its own" >&2; exit 3; fi
for dir in usr usr/bin run; do
  if [ -L "$copy/$dir" ] || [ ! -d "$copy/$dir" ]; then echo "pigz-relay.sh: /$dir in the tree is not a directory" >&2; exit 3; fi
done
mkdir -p "$d"
mkfifo "$d/in" "$d/out" "$d/status"
cat > "$copy/usr/bin/pigz" <<SHIM
#!/bin/sh
# fuel-image: compresses through the helper's pigz (pigz-relay.sh); only in a copy of the tree that is thrown away.
d=\${FUEL_IMAGE_PIGZ_RELAY:-$relay}
# Options go to the relay's pigz; files (mkinitramfs names its cpio) are read here, in the tree.
opts= files=
for arg; do
  case \$arg in -*) opts="\${opts:+\$opts }\$arg" ;; *) files=1 ;; esac
done
printf '%s\n' "\$opts" > "\$d/args"
# In the background the reader, which needs no stdin (sh gives background jobs /dev/null).
cat "\$d/out" &
out=\$!
if [ -n "\$files" ]; then
  for arg; do
    case \$arg in -*) ;; *) cat -- "\$arg" || exit 1 ;; esac
  done > "\$d/in"
else
  cat > "\$d/in"
fi || exit 1
wait "\$out" || exit 1
read -r status < "\$d/status"
exit "\$status"
SHIM
chmod 755 "$copy/usr/bin/pigz"
while :; do
  # Blocks until the shim opens the other end.
  exec 3<"$d/in"
  args=$(cat "$d/args")
  ok=1
  # What mkinitramfs passes (a level, -c, -n); anything else is not a compression this relay knows.
  for arg in $args; do
    case $arg in -[1-9] | -c | -n | -q | -f | --stdout) ;; *) ok=0 ;; esac
  done
  if [ "$ok" = 1 ]; then
    # shellcheck disable=SC2086 # the checked options, one word each
    pigz $args -c <&3 >"$d/out"
    status=$?
  else
    echo "pigz-relay.sh: unexpected arguments: $args" >&2
    cat <&3 >/dev/null
    : >"$d/out"
    status=2
  fi
  exec 3<&-
  echo "$status" >"$d/status"
done
