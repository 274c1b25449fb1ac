#!/bin/bash
# Prepares a Debian/Ubuntu host for fuel-image: a running Docker engine,
# debootstrap (to make the helper's base image without a registry) and
# e2fsprogs (the tests read the images with the host's own tools).
# Idempotent: installs only what is missing, starts dockerd only if no engine answers.
set -euo pipefail

need=()
command -v dockerd >/dev/null || need+=(docker.io)
command -v debootstrap >/dev/null || need+=(debootstrap)
command -v debugfs >/dev/null || need+=(e2fsprogs)
command -v gpg >/dev/null || need+=(gnupg)
if ((${#need[@]})); then
  echo "setup-host: installing ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

if ! docker info >/dev/null 2>&1; then
  echo "setup-host: starting dockerd"
  # No bridge, no iptables: every container here uses host networking.
  # setsid + closed stdio: the daemon outlives this script without holding its output open.
  setsid nohup dockerd --bridge=none --iptables=false >/var/log/fuel-image-dockerd.log 2>&1 </dev/null &
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && break
    sleep 1
  done
fi
if ! docker info >/dev/null 2>&1; then
  echo "setup-host: the Docker engine did not come up" >&2
  tail -n 30 /var/log/fuel-image-dockerd.log >&2 || true
  exit 1
fi
echo "setup-host: Docker engine $(docker version --format '{{.Server.Version}}') ready"
