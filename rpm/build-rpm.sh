#!/bin/bash
# Builds dist/fuel-image-<version>-1.noarch.rpm (needs rpmbuild: apt-get install rpm).
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(node -p 'require("./package.json").version')
top=$(mktemp -d)
trap 'rm -rf "$top"' EXIT
stage="$top/fuel-image-$version"
mkdir -p "$stage" "$top"/{SOURCES,SPECS,BUILD,RPMS,SRPMS}
cp -a bin src images examples scripts package.json package-lock.json tsconfig.json README.md "$stage/"
(cd "$stage" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund >/dev/null && rm package-lock.json)
tar -C "$top" -czf "$top/SOURCES/fuel-image-$version.tar.gz" "fuel-image-$version"
rpmbuild --define "_topdir $top" --define "fuel_image_version $version" -bb rpm/fuel-image.spec >/dev/null
mkdir -p dist
cp "$top"/RPMS/noarch/*.rpm dist/
ls dist/*.rpm
