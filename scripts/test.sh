#!/usr/bin/env bash
# Runs every test of the solution against real services, on a Debian 12 machine as root.
# Provisions what the tests need (scripts/provision.sh), runs each test project in turn, stops the services
# this run started, and prints one closing line "N passed, N failed, N skipped".
# Extra arguments go to every `dotnet test` call (for example: --filter FullyQualifiedName~Buildpacks).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
. scripts/lib.sh

started=$(mktemp)
cleanup() { scripts/teardown.sh $(cat "$started") || true; rm -f "$started"; }
trap cleanup EXIT
BINDER_STARTED_FILE=$started scripts/provision.sh
. "$BINDER_ENV_FILE"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build Binder.Orleans.sln -c Release -nologo -v q -clp:NoSummary

results=$root/TestResults
rm -rf "$results"; mkdir -p "$results"
status=0
for proj in tests/*/*.Tests.csproj; do
  name=$(basename "$proj" .csproj)
  log "testing $name"
  dotnet test "$proj" -c Release --no-build --logger "trx;LogFileName=$name.trx" --results-directory "$results" \
    --blame-hang-timeout 8m "$@" || status=1
  if [ ! -c /dev/null ]; then log "error: /dev/null is no longer the null device after $name"; ensure_dev_null; status=1; fi
done

passed=0 failed=0 skipped=0
for trx in "$results"/*.trx; do
  [ -e "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  num() { echo "$counters" | sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p"; }
  passed=$((passed + $(num passed))); failed=$((failed + $(num failed)))
  skipped=$((skipped + $(num notExecuted)))
done
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ] || status=1
exit $status
