#!/usr/bin/env bash
# Installs and starts what Binder needs on a Debian 12 machine, as root, idempotently:
#   docker   a Docker daemon (BuildKit) with its own socket and data dir, host networking only
#   registry a Docker Distribution registry on loopback
#   base     a Debian base image made with debootstrap and `docker import` (no Docker Hub needed)
#   proxy    configurable-http-proxy (JupyterHub's session proxy) from npm; the service starts its own instance
#   browser  Chromium for the browser tests (Playwright drives it; it never downloads a browser of its own)
#   redis    Debian's redis-server on loopback, append-only, with a password (the Redis backend: Silo:Backend=Redis)
#   azurite  Azurite (the Azure Storage emulator) from npm on loopback (the Azure Storage backend)
#   jupyterhub Debian's JupyterHub 3.0 (installed, not started: the JupyterHub tests start their own hubs)
#   chart    what the chart tests render and check helm/binder with, offline: Go with sprig, yaml.v3 and gojsonschema
#            from Debian (tools/chart-render), and npm kubernetes-models at the versions tools/chart-validate locks
# Usage: scripts/provision.sh [docker] [registry] [base] [proxy] [browser] [redis] [azurite] [jupyterhub] [chart]
#        (no argument: all of them)
# Writes the variables clients need to $BINDER_ENV_FILE (source it).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

[ "$(id -u)" = 0 ] || die "run as root: it installs packages and starts daemons"
command -v dotnet >/dev/null || die "the .NET 10 SDK is required on PATH (dotnet); install it, then run this again"

want=("$@"); [ ${#want[@]} -gt 0 ] || want=(docker registry base proxy browser redis azurite jupyterhub chart)
has() { local w; for w in "${want[@]}"; do [ "$w" = "$1" ] && return 0; done; return 1; }

install_packages() {
  local pkgs=(git curl ca-certificates) missing=()
  has docker && pkgs+=(docker.io)
  has base && pkgs+=(debootstrap)
  has registry && pkgs+=(docker-registry)
  if { has proxy || has azurite || has chart; } && ! command -v npm >/dev/null; then pkgs+=(nodejs npm); fi
  has redis && pkgs+=(redis-server)
  has browser && pkgs+=(chromium fonts-liberation)
  # Debian's JupyterHub 3.0 for the hub-builds-through-Binder tests (examples/jupyterhub); they start it themselves
  # with the configurable-http-proxy above.
  has jupyterhub && pkgs+=(jupyterhub)
  # The chart renderer builds offline against Debian's Go packages (GOPATH mode, no module proxy).
  has chart && pkgs+=(golang-go golang-github-masterminds-sprig-dev golang-gopkg-yaml.v3-dev golang-github-xeipuuv-gojsonschema-dev)
  for p in "${pkgs[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p"); done
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    # Installing redis-server on a systemd machine starts Debian's own Redis on 127.0.0.1:6379 without a password;
    # ours runs on its own port with one, so the one this run brought in is stopped and disabled.
    if [[ " ${missing[*]} " == *" redis-server "* ]] && [ -d /run/systemd/system ] && systemctl is-enabled --quiet redis-server 2>/dev/null; then
      log "redis: disabling Debian's redis-server service (passwordless, port 6379); ours runs on $BINDER_REDIS_PORT"
      systemctl disable --now redis-server >/dev/null 2>&1 || true
    fi
    # Debian's jupyterhub package enables a system hub on port 8000; the tests start hubs of their own.
    if [[ " ${missing[*]} " == *" jupyterhub "* ]] && [ -d /run/systemd/system ] && systemctl is-enabled --quiet jupyterhub 2>/dev/null; then
      log "jupyterhub: disabling Debian's jupyterhub service (port 8000); the tests start their own hubs"
      systemctl disable --now jupyterhub >/dev/null 2>&1 || true
    fi
  fi
  # The Debian packages start system-wide daemons of their own; ours run beside them with their own sockets.
}

start_docker() {
  if docker_ok; then log "docker: already running at $BINDER_DOCKER_SOCKET"; return; fi
  local d=$BINDER_STATE_DIR/docker
  mkdir -p "$d/data" "$d/exec"
  rm -f "$BINDER_DOCKER_SOCKET" "$d/docker.pid"
  log "docker: starting dockerd (data $d/data, socket $BINDER_DOCKER_SOCKET)"
  setsid dockerd --data-root "$d/data" --exec-root "$d/exec" --pidfile "$d/docker.pid" \
    --host "unix://$BINDER_DOCKER_SOCKET" --iptables=false --ip-masq=false --bridge=none \
    --storage-driver=overlay2 >"$d/dockerd.log" 2>&1 < /dev/null &
  wait_for 60 "dockerd (log: $d/dockerd.log)" docker_ok
  mark_started docker
}

start_registry() {
  if registry_ok; then log "registry: already running at $BINDER_REGISTRY_ADDR"; return; fi
  local d=$BINDER_STATE_DIR/registry
  mkdir -p "$d/data"
  cat > "$d/config.yml" <<CFG
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $d/data
  delete:
    enabled: true
http:
  addr: $BINDER_REGISTRY_ADDR
CFG
  log "registry: starting on $BINDER_REGISTRY_ADDR"
  setsid docker-registry serve "$d/config.yml" >"$d/registry.log" 2>&1 < /dev/null &
  echo $! > "$d/registry.pid"
  wait_for 30 "registry (log: $d/registry.log)" registry_ok
  mark_started registry
}

make_base_image() {
  export DOCKER_HOST=unix://$BINDER_DOCKER_SOCKET
  if docker image inspect "$BINDER_BASE_IMAGE" >/dev/null 2>&1; then log "base: $BINDER_BASE_IMAGE present"; return; fi
  local tarball=$BINDER_CACHE_DIR/bookworm-minbase.tar
  if [ ! -s "$tarball" ]; then
    local root=$BINDER_CACHE_DIR/rootfs.$$
    mkdir -p "$BINDER_CACHE_DIR"
    log "base: debootstrap bookworm into $root (about a minute)"
    debootstrap --variant=minbase bookworm "$root" "$BINDER_DEBIAN_MIRROR" >"$BINDER_CACHE_DIR/debootstrap.log" 2>&1 \
      || die "debootstrap failed; see $BINDER_CACHE_DIR/debootstrap.log"
    # Keep the apt lists out of the image, as official base images do: builds run `apt-get update` themselves.
    rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin
    tar -C "$root" -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
    rm -rf "$root"
  fi
  log "base: importing $tarball as $BINDER_BASE_IMAGE"
  docker import "$tarball" "$BINDER_BASE_IMAGE" >/dev/null
}

# npm_install NAME VERSION DIR: the npm package at that exact version into DIR (a cache directory), unless it is there.
npm_install() {
  local name=$1 version=$2 dir=$3 bin=$3/node_modules/.bin/$1
  if [ -x "$bin" ] && "$bin" --version 2>/dev/null | grep -qx "$version"; then
    log "$name: $version present"; return
  fi
  mkdir -p "$dir"
  log "$name: npm install $name@$version into $dir"
  npm install --prefix "$dir" --no-audit --no-fund --loglevel=error "$name@$version" >"$dir/npm.log" 2>&1 \
    || die "npm install of $name failed; see $dir/npm.log"
}

install_proxy() { npm_install configurable-http-proxy "$BINDER_PROXY_VERSION" "$BINDER_PROXY_DIR"; }

# Redis for the Redis backend, run by us (not Debian's service): loopback only, append-only file under the state
# directory, a password kept in a 0600 file there (in the config file, never on the command line, where `ps` shows it).
start_redis() {
  if redis_ok; then log "redis: already running on 127.0.0.1:$BINDER_REDIS_PORT"; return; fi
  local d=$BINDER_REDIS_DIR
  mkdir -p "$d/data" && chmod 700 "$d"
  if [ ! -s "$d/password" ]; then (umask 077; head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$d/password"); fi
  (umask 077; cat > "$d/redis.conf" <<CFG
port $BINDER_REDIS_PORT
bind 127.0.0.1
dir $d/data
appendonly yes
daemonize no
pidfile $d/redis.pid
logfile $d/redis.log
requirepass $(cat "$d/password")
CFG
  )
  # As the package's unprivileged redis user, which owns its directory (the password file included: it reads its config).
  chown -R redis:redis "$d"
  log "redis: starting on 127.0.0.1:$BINDER_REDIS_PORT (data $d/data, user redis)"
  setsid setpriv --reuid=redis --regid=redis --init-groups redis-server "$d/redis.conf" >/dev/null 2>&1 < /dev/null &
  echo $! > "$d/redis.pid"
  wait_for 30 "redis (log: $d/redis.log)" redis_ok
  mark_started redis
}

install_azurite() { npm_install azurite "$BINDER_AZURITE_VERSION" "$BINDER_AZURITE_DIR"; }

# kubernetes-models and every package under it at the versions of tools/chart-validate/package-lock.json (npm ci),
# again only when that lock file changed.
install_chart_validator() {
  local src=$here/../tools/chart-validate dir=$BINDER_CHART_VALIDATE_DIR
  # installed.lock, a copy of the lock file, is written only after npm ci succeeded: a failed or interrupted install
  # (whose package-lock.json is already there) is tried again by the next run.
  if [ -d "$dir/node_modules/kubernetes-models" ] && cmp -s "$src/package-lock.json" "$dir/installed.lock"; then
    log "kubernetes-models: present in $dir"; return
  fi
  mkdir -p "$dir"
  rm -f "$dir/installed.lock"
  cp "$src/package.json" "$src/package-lock.json" "$dir/"
  log "kubernetes-models: npm ci into $dir"
  # kubernetes-models declares node >=22 while Debian 12 has nodejs 18. npm only warns about that unless engines are
  # strict, which --engine-strict=false rules out. The validator ran here on node 20; on 18 it is not verified.
  (cd "$dir" && npm ci --engine-strict=false --no-audit --no-fund --loglevel=error >"$dir/npm.log" 2>&1) \
    || die "npm ci of kubernetes-models failed; see $dir/npm.log"
  cp "$src/package-lock.json" "$dir/installed.lock"
}

start_azurite() {
  if azurite_ok; then log "azurite: already running on 127.0.0.1:$BINDER_AZURITE_TABLE_PORT (tables)"; return; fi
  local d=$BINDER_AZURITE_DATA
  # Its own system user, which owns only its data: an emulator reachable over HTTP has no business running as root.
  id -u "$BINDER_AZURITE_USER" >/dev/null 2>&1 || useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$BINDER_AZURITE_USER"
  mkdir -p "$d/data" && chmod 700 "$d" && chown -R "$BINDER_AZURITE_USER:" "$d"
  log "azurite: starting on 127.0.0.1 (blob $BINDER_AZURITE_BLOB_PORT, table $BINDER_AZURITE_TABLE_PORT; data $d/data, user $BINDER_AZURITE_USER)"
  setsid setpriv --reuid="$BINDER_AZURITE_USER" --regid="$BINDER_AZURITE_USER" --init-groups "$BINDER_AZURITE_DIR/node_modules/.bin/azurite" --silent --location "$d/data" --skipApiVersionCheck \
    --blobHost 127.0.0.1 --blobPort "$BINDER_AZURITE_BLOB_PORT" --queueHost 127.0.0.1 --queuePort "$BINDER_AZURITE_QUEUE_PORT" \
    --tableHost 127.0.0.1 --tablePort "$BINDER_AZURITE_TABLE_PORT" >"$d/azurite.log" 2>&1 < /dev/null &
  echo $! > "$d/azurite.pid"
  wait_for 60 "azurite (log: $d/azurite.log)" azurite_ok
  mark_started azurite
}

ensure_dev_null
mkdir -p "$BINDER_STATE_DIR"
install_packages
has docker && start_docker
has registry && start_registry
has base && make_base_image
has proxy && install_proxy
has redis && start_redis
has azurite && install_azurite && start_azurite
has chart && install_chart_validator

# The daemon runs without a bridge network (no iptables here), so builds use the host's network. These machines
# reach Debian's mirror but no Python index, so generated images take Jupyter from Debian's packages (offline route).
# Private from its first byte (it gets the Redis password below): written to a 0600 file, then moved into place.
env_tmp=$(umask 077; mktemp "$BINDER_ENV_FILE.XXXXXX")
cat > "$env_tmp" <<ENV
export DOCKER_HOST=unix://$BINDER_DOCKER_SOCKET
export BINDER_Binder__Docker__BuildNetworkMode=host
export BINDER_Binder__Buildpacks__JupyterSource=Debian
export BINDER_TEST_REGISTRY=$BINDER_REGISTRY_ADDR
export BINDER_TEST_BASE_IMAGE=$BINDER_BASE_IMAGE
export BINDER_TEST_PROXY_COMMAND=$BINDER_PROXY_DIR/node_modules/.bin/configurable-http-proxy
export BINDER_Proxy__Command=$BINDER_PROXY_DIR/node_modules/.bin/configurable-http-proxy
export BINDER_TEST_CHROMIUM=/usr/bin/chromium
export BINDER_TEST_CHART_MODULES=$BINDER_CHART_VALIDATE_DIR/node_modules
ENV
# The backends' connection strings (the Redis one holds its password: the env file is made private below).
if [ -s "$BINDER_REDIS_DIR/password" ]; then
  echo "export BINDER_TEST_REDIS='127.0.0.1:$BINDER_REDIS_PORT,password=$(redis_password)'" >> "$env_tmp"
fi
if [ -x "$BINDER_AZURITE_DIR/node_modules/.bin/azurite" ]; then
  echo "export BINDER_TEST_AZURITE='$(azurite_connection_string)'" >> "$env_tmp"
fi
chmod 600 "$env_tmp" && mv -f "$env_tmp" "$BINDER_ENV_FILE"
log "ready; variables in $BINDER_ENV_FILE"
