# The builder's own image: fuel-image (Node.js) talking to the host's engine
# through its socket, e.g. inside Fuel's MCollective container or with
# `docker compose run fuel-image SPEC`. The helper it starts is a separate image.
#
# Node 20.12 or later is needed; Debian trixie ships it (bookworm's Node 18
# builds the image, but is unsupported). The base is made locally like the
# helper's (no registry):  SUITE=trixie bash images/base/make-base.sh
# Where a registry is reachable, --build-arg BASE_IMAGE=node:20-bookworm-slim works too.
ARG BASE_IMAGE=fuel-image-base:trixie
FROM ${BASE_IMAGE} AS node
RUN if ! command -v node >/dev/null; then \
      apt-get update \
      && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nodejs ca-certificates \
      && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin; \
    fi

# Compiles src/ into dist/ with the checkout's node_modules (`npm ci` first;
# typescript is a dev dependency), then drops the dev-only packages the lock
# file names: building this image needs no npm and no registry.
FROM node AS build
WORKDIR /opt/fuel-image
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY node_modules node_modules
COPY src src
COPY scripts/prune-dev-dependencies.mjs /tmp/
RUN node node_modules/typescript/bin/tsc -p tsconfig.build.json \
    && node /tmp/prune-dev-dependencies.mjs \
    && find node_modules -mindepth 1 -maxdepth 2 -type d -empty -delete

# What runs: compiled JavaScript and production dependencies only (no npm,
# TypeScript, tsx or esbuild).
FROM node
WORKDIR /opt/fuel-image
COPY --from=build /opt/fuel-image/package.json ./
COPY --from=build /opt/fuel-image/node_modules node_modules
COPY --from=build /opt/fuel-image/dist dist
COPY bin bin
COPY images images
COPY examples examples

LABEL org.openstack.fuel-image=true org.openstack.fuel-image.role=builder
ENTRYPOINT ["node", "/opt/fuel-image/bin/fuel-image.js"]
CMD ["--help"]
