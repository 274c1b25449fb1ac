#!/bin/bash
# Builds the bundled example (Debian bookworm, "/" ext4 + "/boot" ext2) into ./out.
set -euo pipefail
cd "$(dirname "$0")/.."
bash images/base/make-base.sh
mkdir -p out
exec node bin/fuel-image.js examples/bookworm.json --output ./out "$@"
