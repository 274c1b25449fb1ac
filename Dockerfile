# The builder's own image: fuel-image (Node.js) talking to the host's engine
# through its socket, e.g. inside Fuel's MCollective container or with
# `docker compose run fuel-image SPEC`. The helper it starts is a separate image.
#
# Node 20 is needed; Debian trixie ships it. The base is made locally like the
# helper's (no registry):  SUITE=trixie bash images/base/make-base.sh
# Where a registry is reachable, --build-arg BASE_IMAGE=node:20-bookworm-slim works too.
ARG BASE_IMAGE=fuel-image-base:trixie
FROM ${BASE_IMAGE}

RUN if ! command -v node >/dev/null; then \
      apt-get update \
      && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nodejs npm ca-certificates \
      && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin; \
    fi

WORKDIR /opt/fuel-image
# node_modules comes from the checkout (`npm ci` first), pruned to production
# dependencies offline: building this image needs no npm registry either.
COPY package.json package-lock.json ./
COPY node_modules node_modules
RUN npm prune --omit=dev --offline --no-audit --no-fund
COPY tsconfig.json ./
COPY bin bin
COPY src src
COPY images images
COPY examples examples

LABEL org.openstack.fuel-image=true org.openstack.fuel-image.role=builder
ENTRYPOINT ["node", "/opt/fuel-image/bin/fuel-image.js"]
CMD ["--help"]
