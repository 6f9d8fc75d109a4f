#!/usr/bin/env bash
# Runs the `binder` command on this machine with its embedded defaults, after starting the Docker daemon it needs.
# Usage: scripts/run.sh [binder arguments]   (default: `binder --help`)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
. scripts/lib.sh
scripts/provision.sh docker registry base >&2
. "$BINDER_ENV_FILE"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build src/Binder.Cli -c Release -nologo -v q -clp:NoSummary >&2
[ $# -gt 0 ] || set -- --help
exec dotnet "src/Binder.Cli/bin/Release/net10.0/binder.dll" "$@"
