# Shared settings and helpers for the provisioning scripts. Sourced, not run.
# Every location and port can be overridden from the environment.
BINDER_STATE_DIR=${BINDER_STATE_DIR:-/var/lib/binder-dev}
BINDER_CACHE_DIR=${BINDER_CACHE_DIR:-/var/cache/binder-dev}
BINDER_DOCKER_SOCKET=${BINDER_DOCKER_SOCKET:-$BINDER_STATE_DIR/docker/docker.sock}
BINDER_REGISTRY_ADDR=${BINDER_REGISTRY_ADDR:-127.0.0.1:5000}
BINDER_BASE_IMAGE=${BINDER_BASE_IMAGE:-binder-base:bookworm}
BINDER_DEBIAN_MIRROR=${BINDER_DEBIAN_MIRROR:-http://deb.debian.org/debian}
BINDER_ENV_FILE=${BINDER_ENV_FILE:-$BINDER_STATE_DIR/env}
BINDER_PROXY_VERSION=${BINDER_PROXY_VERSION:-5.3.0}
BINDER_PROXY_DIR=${BINDER_PROXY_DIR:-$BINDER_CACHE_DIR/configurable-http-proxy}
BINDER_REDIS_PORT=${BINDER_REDIS_PORT:-56379}
BINDER_REDIS_DIR=${BINDER_REDIS_DIR:-$BINDER_STATE_DIR/redis}
BINDER_AZURITE_VERSION=${BINDER_AZURITE_VERSION:-3.37.0}
BINDER_AZURITE_DIR=${BINDER_AZURITE_DIR:-$BINDER_CACHE_DIR/azurite}
BINDER_CHART_VALIDATE_DIR=${BINDER_CHART_VALIDATE_DIR:-$BINDER_CACHE_DIR/kubernetes-models}
BINDER_AZURITE_DATA=${BINDER_AZURITE_DATA:-$BINDER_STATE_DIR/azurite}
BINDER_AZURITE_USER=${BINDER_AZURITE_USER:-binder-azurite}
BINDER_AZURITE_BLOB_PORT=${BINDER_AZURITE_BLOB_PORT:-51000}
BINDER_AZURITE_QUEUE_PORT=${BINDER_AZURITE_QUEUE_PORT:-51001}
BINDER_AZURITE_TABLE_PORT=${BINDER_AZURITE_TABLE_PORT:-51002}
# Azurite's documented development account (public, the same in every Azurite): not a secret.
BINDER_AZURITE_KEY='Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='

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
redis_password() { cat "$BINDER_REDIS_DIR/password" 2>/dev/null; }
redis_ok() { REDISCLI_AUTH=$(redis_password) redis-cli --no-auth-warning -h 127.0.0.1 -p "$BINDER_REDIS_PORT" ping 2>/dev/null | grep -qx PONG; }
# Azurite answers an unauthenticated request with an XML error: any HTTP answer on the table port means it is up.
azurite_ok() { curl -sS -o /dev/null "http://127.0.0.1:$BINDER_AZURITE_TABLE_PORT/" >/dev/null 2>&1 && curl -sS -o /dev/null "http://127.0.0.1:$BINDER_AZURITE_BLOB_PORT/" >/dev/null 2>&1; }
azurite_connection_string() {
  printf 'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=%s;BlobEndpoint=http://127.0.0.1:%s/devstoreaccount1;QueueEndpoint=http://127.0.0.1:%s/devstoreaccount1;TableEndpoint=http://127.0.0.1:%s/devstoreaccount1;' \
    "$BINDER_AZURITE_KEY" "$BINDER_AZURITE_BLOB_PORT" "$BINDER_AZURITE_QUEUE_PORT" "$BINDER_AZURITE_TABLE_PORT"
}
