#!/usr/bin/env bash
# Runs Binder on this machine with its embedded defaults, after provisioning what it needs (a Docker daemon, the
# Debian base image, configurable-http-proxy).
# Usage: scripts/run.sh                      starts the service: `binder serve` (Ctrl-C stops it)
#        scripts/run.sh [binder arguments]   runs `binder` with them, e.g. `scripts/run.sh build --run ./my-repo`
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
. scripts/lib.sh
[ $# -gt 0 ] || set -- serve
if [ "$1" = serve ]; then
  # The service keeps images in the local daemon: no registry needed.
  scripts/provision.sh docker base proxy >&2
else
  scripts/provision.sh docker registry base proxy >&2
fi
. "$BINDER_ENV_FILE"
# No Docker Hub here: build from the Debian image provisioning made, unless told otherwise. The service reads its
# build settings under `Binder:` (BINDER_Binder__...), and so does the `build` command.
export BINDER_Binder__Buildpacks__BaseImage=${BINDER_Binder__Buildpacks__BaseImage:-$BINDER_TEST_BASE_IMAGE}
export BINDER_Binder__Docker__BuildNetworkMode=${BINDER_Binder__Docker__BuildNetworkMode:-host}
# No Python index here either: Jupyter from Debian's packages (the env file says so; kept for older env files).
export BINDER_Binder__Buildpacks__JupyterSource=${BINDER_Binder__Buildpacks__JupyterSource:-Debian}
# An env file written before the build settings moved under Binder: carries their old names, which binder refuses.
unset BINDER_Buildpacks__BaseImage BINDER_Buildpacks__JupyterSource BINDER_Docker__BuildNetworkMode
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build src/Binder.Cli -c Release -nologo -v q -clp:NoSummary >&2
exec dotnet "src/Binder.Cli/bin/Release/net10.0/binder.dll" "$@"
