#!/usr/bin/env bash
# Stops the services named on the command line (docker, registry, redis, azurite) that provision.sh started.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

stop_pidfile() { # stop_pidfile NAME PIDFILE
  local pid; pid=$(cat "$2" 2>/dev/null) || return 0
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || { log "$1: stopped"; return 0; }; sleep 0.2; done
  kill -9 "$pid" 2>/dev/null; log "$1: killed"
}

for svc in "$@"; do
  case $svc in
    docker)
      stop_pidfile docker "$BINDER_STATE_DIR/docker/docker.pid"
      # dockerd leaves its network namespace (and, if killed, overlay mounts) mounted under its directories.
      awk -v d="$BINDER_STATE_DIR/docker/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r | xargs -r -n1 umount -l ;;
    registry) stop_pidfile registry "$BINDER_STATE_DIR/registry/registry.pid" ;;
    redis) stop_pidfile redis "$BINDER_REDIS_DIR/redis.pid" ;;
    azurite) stop_pidfile azurite "$BINDER_AZURITE_DATA/azurite.pid" ;;
    *) log "unknown service $svc" ;;
  esac
done
