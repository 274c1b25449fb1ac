#!/bin/bash
# Builds rpm/out/fuel-image-<version>-1.noarch.rpm (needs rpmbuild: apt-get install rpm,
# and the dev dependencies from `npm ci`: the package holds JavaScript compiled here).
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(node -p 'require("./package.json").version')
npm run build >/dev/null
top=$(mktemp -d)
trap 'rm -rf "$top"' EXIT
stage="$top/fuel-image-$version"
mkdir -p "$stage" "$top"/{SOURCES,SPECS,BUILD,RPMS,SRPMS}
cp -a bin dist images examples package.json package-lock.json README.md "$stage/"
# Production dependencies only; no install scripts (no prepare, no native addons).
(cd "$stage" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund >/dev/null && rm package-lock.json)
tar -C "$top" -czf "$top/SOURCES/fuel-image-$version.tar.gz" "fuel-image-$version"
rpmbuild --define "_topdir $top" --define "fuel_image_version $version" -bb rpm/fuel-image.spec >/dev/null
mkdir -p rpm/out
cp "$top"/RPMS/noarch/*.rpm rpm/out/
ls rpm/out/*.rpm
