#!/usr/bin/env bash
# Sets up a Docker-API engine (Podman) and a local image registry for Deckhand's integration tests.
#
# Run as root on a fresh Debian 12 machine without a Docker daemon. Idempotent: every step checks first
# and only acts when needed, so a second run is cheap. Prints what it did.
#
#   sudo scripts/ci/setup-podman.sh
#   export DOCKER_HOST=unix:///tmp/podman.sock   # default used by the tests anyway
#
# Environment (all optional):
#   PODMAN_SOCKET      socket path of the Docker-compatible API   (default /tmp/podman.sock)
#   REGISTRY_ADDR      address of the local registry              (default 127.0.0.1:5000)
#   DECKHAND_CONF_DIR  where the config files are written         (default /etc/containers/deckhand)
#   WAIT_SECONDS       bounded wait for the socket / registry     (default 30)
set -euo pipefail

PODMAN_SOCKET="${PODMAN_SOCKET:-/tmp/podman.sock}"
REGISTRY_ADDR="${REGISTRY_ADDR:-127.0.0.1:5000}"
REGISTRY_PORT="${REGISTRY_ADDR##*:}"
CONF_DIR="${DECKHAND_CONF_DIR:-/etc/containers/deckhand}"
WAIT_SECONDS="${WAIT_SECONDS:-30}"
BUSYBOX_IMAGE="localhost/busybox:local"
SEED_REPO="deckhand/busybox"
SEED_TAG="local"
REGISTRY_STORAGE="/var/lib/deckhand-registry"
LOG_DIR="/var/log/deckhand"

# A drop-in (read by Podman 4.3 on top of its defaults) so the service and the podman CLI both use it.
CONTAINERS_DROPIN="/etc/containers/containers.conf.d/50-deckhand.conf"
export CONTAINERS_REGISTRIES_CONF="$CONF_DIR/registries.conf"

say() { printf '[setup-podman] %s\n' "$*"; }

require_root() {
  if [ "$(id -u)" -ne 0 ]; then
    say "must run as root" >&2
    exit 1
  fi
}

install_packages() {
  local missing=()
  for pkg in podman runc busybox-static docker-registry curl; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  if [ "${#missing[@]}" -eq 0 ]; then
    say "packages already installed"
    return
  fi
  say "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # policy-rc.d keeps the package scripts from starting the stock docker-registry service on 0.0.0.0:5000.
  local policy=/usr/sbin/policy-rc.d created_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && created_policy=1
  fi
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  if [ "$created_policy" -eq 1 ]; then rm -f "$policy"; fi
  # On machines with systemd the stock unit may still run; ours replaces it on the same port.
  if command -v systemctl >/dev/null && systemctl is-active --quiet docker-registry 2>/dev/null; then
    say "stopping the stock docker-registry service"
    systemctl disable --now docker-registry >/dev/null 2>&1 || true
  fi
}

# Writes $2 to file $1 only when the content differs.
write_if_changed() {
  local file="$1" content="$2"
  if [ -f "$file" ] && [ "$(cat "$file")" = "$content" ]; then
    say "unchanged: $file"
    return
  fi
  mkdir -p "$(dirname "$file")"
  printf '%s\n' "$content" >"$file"
  say "wrote: $file"
}

write_configs() {
  # Podman's default nofile limit is above the hard limit on these machines, and crun refuses the hybrid
  # cgroup layout; runc works.
  write_if_changed "$CONTAINERS_DROPIN" '[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]

[engine]
runtime = "runc"'

  write_if_changed "$CONTAINERS_REGISTRIES_CONF" "unqualified-search-registries = []
short-name-mode = \"permissive\"

[[registry]]
location = \"$REGISTRY_ADDR\"
insecure = true

[[registry]]
location = \"localhost:$REGISTRY_PORT\"
insecure = true"

  write_if_changed "$CONF_DIR/registry.yml" "version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $REGISTRY_STORAGE
  delete:
    enabled: true
http:
  addr: $REGISTRY_ADDR
health:
  storagedriver:
    enabled: true"
}

import_busybox() {
  if podman image exists "$BUSYBOX_IMAGE"; then
    say "image present: $BUSYBOX_IMAGE"
    return
  fi
  local root tarball
  root="$(mktemp -d)"
  tarball="$(mktemp --suffix=.tar)"
  mkdir -p "$root"/{bin,tmp,etc,proc,sys,dev}
  cp /bin/busybox "$root/bin/"
  for applet in sh ls cat echo sleep httpd wget env printf true false test date; do
    ln -sf busybox "$root/bin/$applet"
  done
  tar -C "$root" -cf "$tarball" .
  podman import --quiet --change 'CMD ["/bin/sh"]' "$tarball" "$BUSYBOX_IMAGE" >/dev/null
  rm -rf "$root" "$tarball"
  say "imported image: $BUSYBOX_IMAGE"
}

socket_answers() {
  [ "$(curl -s --max-time 2 --unix-socket "$PODMAN_SOCKET" http://d/_ping 2>/dev/null)" = "OK" ]
}

registry_answers() {
  curl -s --max-time 2 -o /dev/null -w '%{http_code}' "http://$REGISTRY_ADDR/v2/" 2>/dev/null | grep -q '^200$'
}

# Polls "$1" (a function name) until it succeeds or WAIT_SECONDS pass.
wait_for() {
  local check="$1" what="$2" deadline=$((SECONDS + WAIT_SECONDS))
  until "$check"; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      say "$what did not answer within ${WAIT_SECONDS}s; see $LOG_DIR" >&2
      exit 1
    fi
    sleep 0.2
  done
}

start_registry() {
  if registry_answers; then
    say "registry already answering on $REGISTRY_ADDR"
    return
  fi
  mkdir -p "$REGISTRY_STORAGE" "$LOG_DIR"
  (cd / && exec setsid nohup docker-registry serve "$CONF_DIR/registry.yml" >>"$LOG_DIR/registry.log" 2>&1 </dev/null) &
  wait_for registry_answers "registry on $REGISTRY_ADDR"
  say "started registry on $REGISTRY_ADDR (pid $!, log $LOG_DIR/registry.log)"
}

# A service started from a directory that was removed since (an earlier checkout) answers _ping, but every
# container it starts fails: conmon inherits the working directory ("Failed to get working directory", the
# API answers "write child: broken pipe"). Such a service is stopped and started again.
service_cwd_gone() {
  local pid
  for pid in $(pgrep -f "podman system service.*$PODMAN_SOCKET" || true); do
    case "$(readlink "/proc/$pid/cwd" 2>/dev/null)" in *' (deleted)') return 0 ;; esac
  done
  return 1
}

start_service() {
  if socket_answers && ! service_cwd_gone; then
    say "podman service already answering on $PODMAN_SOCKET"
    return
  fi
  if service_cwd_gone; then
    say "podman service runs in a removed directory; restarting it"
    pkill -f "podman system service.*$PODMAN_SOCKET" || true
    sleep 1
  fi
  mkdir -p "$LOG_DIR"
  rm -f "$PODMAN_SOCKET" # a stale socket file from a dead service
  # Started from / so that no checkout's removal can pull the directory from under it (see above).
  # exec: no shell is left behind holding this script's stdout open.
  (cd / && exec setsid nohup podman system service --time=0 "unix://$PODMAN_SOCKET" >>"$LOG_DIR/podman-service.log" 2>&1 </dev/null) &
  wait_for socket_answers "podman service on $PODMAN_SOCKET"
  say "started podman service on unix://$PODMAN_SOCKET (pid $!, log $LOG_DIR/podman-service.log)"
}

seed_registry() {
  local ref="$REGISTRY_ADDR/$SEED_REPO:$SEED_TAG"
  if curl -s --max-time 5 "http://$REGISTRY_ADDR/v2/$SEED_REPO/tags/list" | grep -q "\"$SEED_TAG\""; then
    say "registry already holds $ref"
    return
  fi
  podman tag "$BUSYBOX_IMAGE" "$ref"
  podman push --quiet "$ref"
  say "pushed $ref"
}

export_env_for_ci() {
  # Later CI steps (GitHub Actions) see the same configuration.
  if [ -n "${GITHUB_ENV:-}" ]; then
    {
      echo "CONTAINERS_REGISTRIES_CONF=$CONTAINERS_REGISTRIES_CONF"
      echo "DOCKER_HOST=unix://$PODMAN_SOCKET"
    } >>"$GITHUB_ENV"
    say "exported CONTAINERS_REGISTRIES_CONF and DOCKER_HOST to \$GITHUB_ENV"
  fi
}

main() {
  require_root
  install_packages
  write_configs
  import_busybox
  start_registry
  start_service
  seed_registry
  export_env_for_ci
  say "ready: DOCKER_HOST=unix://$PODMAN_SOCKET, registry http://$REGISTRY_ADDR, image $BUSYBOX_IMAGE"
  say "for podman push/pull by hand: export CONTAINERS_REGISTRIES_CONF=$CONTAINERS_REGISTRIES_CONF"
}

main "$@"
