#!/bin/bash
# Builds rpm/out/fuel-image-<version>-1.x86_64.rpm. Needs rpmbuild (apt-get
# install rpm), the dev dependencies from `npm ci` (the package holds
# JavaScript compiled here), a Docker engine and the local base image
# (npm run base): the helper and builder images are built here and saved
# into the package.
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(node -p 'require("./package.json").version')
base=${FUEL_IMAGE_BASE:-fuel-image-base:trixie}
npm run build >/dev/null
top=$(mktemp -d)
trap 'rm -rf "$top"' EXIT
stage="$top/fuel-image-$version"
mkdir -p "$stage/rpm" "$stage/image-archives" "$top"/{SOURCES,SPECS,BUILD,RPMS,SRPMS}

echo "build-rpm: helper image (on $base)" >&2
helper=$(node bin/fuel-image.js helper build --base-image "$base" --progress=json --quiet | node -e 'process.stdout.write(JSON.parse(require("fs").readFileSync(0, "utf8").trim().split("\n").pop()).image)')
echo "build-rpm: builder image fuel-image:$version" >&2
docker build --network host -q -t "fuel-image:$version" --build-arg "BASE_IMAGE=$base" . >/dev/null
echo "build-rpm: saving $helper and fuel-image:$version" >&2
# One archive: the two images share their base's layers.
docker save "$helper" "fuel-image:$version" | gzip -6 >"$stage/image-archives/fuel-image-images.tar.gz"

cp -a bin dist images examples package.json package-lock.json README.md CHANGELOG.md LICENSE "$stage/"
cp -a rpm/fuel-image.sh "$stage/rpm/"
# Production dependencies only; no install scripts (no prepare, no native addons).
(cd "$stage" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund >/dev/null && rm package-lock.json)
tar -C "$top" -cf "$top/SOURCES/fuel-image-$version.tar" "fuel-image-$version"
echo "build-rpm: rpmbuild" >&2
rpmbuild --define "_topdir $top" --define "fuel_image_version $version" --target x86_64 -bb rpm/fuel-image.spec >"$top/rpmbuild.log" 2>&1 || { cat "$top/rpmbuild.log" >&2; exit 1; }
mkdir -p rpm/out
cp "$top"/RPMS/x86_64/*.rpm rpm/out/
ls rpm/out/fuel-image-"$version"-1*.x86_64.rpm
