#!/bin/bash
# /usr/bin/fuel-image, as the RPM installs it. With Node.js 20.12 or later
# on the host it runs the packaged JavaScript. Without it (CentOS 7 masters:
# glibc 2.17 runs no Node.js 20) it runs the same fuel-image in the builder
# image, loaded on first use from the archive the package ships, with the
# engine's socket and the host paths the command names mounted at the same
# paths, and exits with its exit code.
#
# FUEL_IMAGE_RUNTIME=node|docker forces one way; auto (the default) chooses.
set -euo pipefail

self=$(readlink -f "$0")
prefix=$(cd "$(dirname "$self")/../lib/fuel-image" && pwd)
archive="$prefix/image-archives/fuel-image-images.tar.gz"

fail() {
  printf 'fuel-image: %s\n' "$1" >&2
  exit "${2:-1}"
}

# Old Node.js must be able to run this test: ES5 only.
node_usable() {
  command -v node >/dev/null 2>&1 &&
    node -e 'var v = process.versions.node.split(".").map(Number); process.exit(v[0] > 20 || (v[0] === 20 && v[1] >= 12) ? 0 : 1)' >/dev/null 2>&1
}

case "${FUEL_IMAGE_RUNTIME:-auto}" in
  node) exec node "$prefix/bin/fuel-image.js" "$@" ;;
  auto) if node_usable; then exec node "$prefix/bin/fuel-image.js" "$@"; fi ;;
  docker) ;;
  *) fail "FUEL_IMAGE_RUNTIME must be auto, node or docker (not \"$FUEL_IMAGE_RUNTIME\")" 2 ;;
esac

command -v docker >/dev/null 2>&1 || fail 'needs Node.js 20.12 or later, or docker to run the builder image'
# The builder image sees host paths through bind mounts, which a remote engine
# would take from its own machine.
case "${DOCKER_HOST:-}" in
  '') socket=/var/run/docker.sock ;;
  unix://*) socket=${DOCKER_HOST#unix://} ;;
  *) fail "DOCKER_HOST=$DOCKER_HOST: a remote engine needs Node.js 20.12 or later on this host (without it, fuel-image runs in a container on the local engine)" 2 ;;
esac

version=$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$prefix/package.json" | head -n 1)
image="fuel-image:$version"
if ! docker image inspect "$image" >/dev/null 2>&1; then
  [ -r "$archive" ] || fail "the builder image $image is not on the engine and $archive is missing"
  printf 'fuel-image: loading the builder and helper images from %s (first use on this engine)\n' "$archive" >&2
  docker load -i "$archive" >&2 || fail "docker load -i $archive failed"
  docker image inspect "$image" >/dev/null 2>&1 || fail "$archive holds no $image"
fi

# A spec on stdin is read twice (the path listing, then the build): keep it
# in a file only root can read, unlinked before the build starts.
# (Not /dev/stdin: it cannot be reopened when stdin is a socket.)
input=
probe_input=/dev/null
for arg in "$@"; do
  if [ "$arg" = - ]; then
    input=$(mktemp)
    trap 'rm -f "$input"' EXIT
    cat >"$input"
    probe_input=$input
    break
  fi
done

common=(--rm -i --network host --security-opt label=disable -w "$PWD" -v "$socket:/var/run/docker.sock")
# Empty arrays are expanded as ${a[@]+"${a[@]}"}: bash 4.2 (CentOS 7) calls them unbound under set -u.
# Paths given as arguments (a spec or keyring file) are readable by the listing.
listing=()
for arg in "$@"; do
  case "$arg" in -*) continue ;; esac
  [ -e "$arg" ] || continue
  case "$arg" in /*) at=$arg ;; *) at="$PWD/$arg" ;; esac
  listing+=(-v "$at:$at:ro")
done
mounts=()
while IFS=$'\t' read -r mode at; do
  [ -n "$at" ] || continue
  mounts+=(-v "$at:$at:$mode")
done < <(docker run "${common[@]}" ${listing[@]+"${listing[@]}"} -e FUEL_IMAGE_HOST_PATHS=1 "$image" "$@" <"$probe_input")

# What the command reads from the environment goes in with it (names only:
# docker takes the values from this process, so they never reach argv).
envs=(-e "FUEL_IMAGE_IMAGE_ARCHIVE=$archive")
for name in $(compgen -e); do
  case "$name" in
    FUEL_IMAGE_HOST_PATHS | FUEL_IMAGE_RUNTIME | FUEL_IMAGE_IMAGE_ARCHIVE) ;;
    FUEL_IMAGE_* | NO_COLOR | TERM | CI | http_proxy | https_proxy | no_proxy | HTTP_PROXY | HTTPS_PROXY | NO_PROXY) envs+=(-e "$name") ;;
  esac
done
[ -r "$archive" ] && mounts+=(-v "$archive:$archive:ro")
# A terminal only when all three are one: -t joins stdout and stderr, and the
# result line on stdout must stay apart for callers.
tty=()
if [ -z "$input" ] && [ -t 0 ] && [ -t 1 ] && [ -t 2 ]; then tty=(-t); fi

# docker run passes SIGINT/SIGTERM on to fuel-image (--sig-proxy) and exits with its code.
run=(docker run "${common[@]}" ${tty[@]+"${tty[@]}"} ${mounts[@]+"${mounts[@]}"} "${envs[@]}" "$image" "$@")
[ -n "$input" ] || exec "${run[@]}"
# Open, then unlink: the spec is read from the open file and leaves nothing behind.
exec 3<"$input"
rm -f "$input"
trap - EXIT
exec "${run[@]}" <&3 3<&-
