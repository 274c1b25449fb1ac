#!/bin/bash
# Prepares a Debian/Ubuntu host for fuel-image: a running Docker engine,
# debootstrap (to make the helper's base image without a registry) and
# e2fsprogs (the tests read the images with the host's own tools).
# Idempotent: installs only what is missing, starts dockerd only if no engine answers.
#
#   scripts/setup-host.sh          # what fuel-image needs
#   scripts/setup-host.sh --test   # and what its tests need: openssl (TLS
#                                  # certificates), openssh-server and -client
#                                  # (the remote-engine tests run an sshd of
#                                  # their own on 127.0.0.1; the system's sshd
#                                  # is not started by the install),
#                                  # docker-registry (a base pulled from a
#                                  # registry on 127.0.0.1; not started either)
#                                  # docker-compose (compose.yaml end to end)
#                                  # and pigz (the helper's pigz relay, run here)
set -euo pipefail

tests=
case "${1:-}" in
  '') ;;
  --test) tests=1 ;;
  *) echo "usage: $0 [--test]" >&2; exit 2 ;;
esac

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

if [ -n "$tests" ]; then
  test_need=()
  command -v openssl >/dev/null || test_need+=(openssl)
  command -v ssh >/dev/null || test_need+=(openssh-client)
  [ -x /usr/sbin/sshd ] || test_need+=(openssh-server)
  command -v docker-registry >/dev/null || test_need+=(docker-registry)
  command -v rpmbuild >/dev/null || test_need+=(rpm)
  command -v docker-compose >/dev/null || docker compose version >/dev/null 2>&1 || test_need+=(docker-compose)
  command -v pigz >/dev/null || test_need+=(pigz)
  if ((${#test_need[@]})); then
    echo "setup-host: installing ${test_need[*]} (for the tests)"
    # The binaries only: a policy-rc.d refusing every service start keeps the
    # package from starting the system's sshd, unless one is there already.
    policy=/usr/sbin/policy-rc.d
    if [ ! -e "$policy" ]; then
      printf '#!/bin/sh\nexit 101\n' >"$policy"
      chmod 755 "$policy"
      trap 'rm -f "$policy"' EXIT
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${test_need[@]}" >/dev/null
  fi
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
