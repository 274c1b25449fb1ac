#!/bin/bash
# Builds the bundled example (Debian bookworm, "/" ext4 + "/boot" ext2) into ./out.
# examples/bookworm.json is a template: `fuel-image example` fills its mirror
# (FUEL_IMAGE_MIRROR, else the host's apt sources) into out/example-spec.json.
set -euo pipefail
cd "$(dirname "$0")/.."
bash images/base/make-base.sh
mkdir -p out
node bin/fuel-image.js example >out/example-spec.json
exec node bin/fuel-image.js out/example-spec.json --output ./out "$@"
