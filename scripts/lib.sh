# Shared settings and helpers for the provisioning scripts. Sourced, not run.
# Every location and port can be overridden from the environment.
BINDER_STATE_DIR=${BINDER_STATE_DIR:-/var/lib/binder-dev}
BINDER_CACHE_DIR=${BINDER_CACHE_DIR:-/var/cache/binder-dev}
BINDER_DOCKER_SOCKET=${BINDER_DOCKER_SOCKET:-$BINDER_STATE_DIR/docker/docker.sock}
BINDER_REGISTRY_ADDR=${BINDER_REGISTRY_ADDR:-127.0.0.1:5000}
BINDER_BASE_IMAGE=${BINDER_BASE_IMAGE:-binder-base:bookworm}
BINDER_DEBIAN_MIRROR=${BINDER_DEBIAN_MIRROR:-http://deb.debian.org/debian}
BINDER_PG_PORT=${BINDER_PG_PORT:-55432}
BINDER_PG_DIR=${BINDER_PG_DIR:-$BINDER_STATE_DIR/postgres}
BINDER_ENV_FILE=${BINDER_ENV_FILE:-$BINDER_STATE_DIR/env}
BINDER_PROXY_VERSION=${BINDER_PROXY_VERSION:-5.3.0}
BINDER_PROXY_DIR=${BINDER_PROXY_DIR:-$BINDER_CACHE_DIR/configurable-http-proxy}

# /dev/null must be the null device: once it was found replaced by a regular file on a development machine (cause not
# found), which breaks initdb and every `> /dev/null` after. Repair it, and say so, rather than fail obscurely.
ensure_dev_null() {
  [ -c /dev/null ] && return 0
  printf '[%s] %s\n' "$(date +%H:%M:%S)" "warning: /dev/null was not the null device; recreating it" >&2
  rm -f /dev/null && mknod -m 666 /dev/null c 1 3
}

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Records that this invocation started a service, so the caller can stop exactly those afterwards.
mark_started() { [ -n "${BINDER_STARTED_FILE:-}" ] && echo "$1" >> "$BINDER_STARTED_FILE"; return 0; }

wait_for() { # wait_for SECONDS DESCRIPTION COMMAND...
  local secs=$1 what=$2; shift 2
  for _ in $(seq 1 $((secs * 5))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
  die "$what did not come up within ${secs}s"
}

docker_ok() { DOCKER_HOST=unix://$BINDER_DOCKER_SOCKET docker version >/dev/null 2>&1; }
registry_ok() { curl -fsS "http://$BINDER_REGISTRY_ADDR/v2/" >/dev/null 2>&1; }
pg_ok() { /usr/lib/postgresql/15/bin/pg_isready -q -h 127.0.0.1 -p "$BINDER_PG_PORT" >/dev/null 2>&1; }
