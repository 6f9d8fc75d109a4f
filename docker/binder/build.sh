#!/usr/bin/env bash
# Builds the Binder service image (docker/binder/Dockerfile) with the Docker daemon DOCKER_HOST names: publishes the
# service here (self-contained for linux-x64, in a build directory of its own so the checkout's obj/ and bin/ are
# left alone), then builds the image around it with the host's network (apt-get in the image needs a mirror).
# Usage: docker/binder/build.sh [--tag NAME:TAG] [--base IMAGE]
#   --tag   the image's name (default binder-orleans:<version in Directory.Build.props>)
#   --base  a Debian 12 image to build on (default $BINDER_BASE_IMAGE or binder-base:bookworm, which
#           scripts/provision.sh makes without any image registry)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
version=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' "$root/Directory.Build.props" | head -1)
tag=binder-orleans:${version:-dev}
base=${BINDER_BASE_IMAGE:-binder-base:bookworm}
while [ $# -gt 0 ]; do
  case $1 in
    --tag) tag=$2; shift 2 ;;
    --base) base=$2; shift 2 ;;
    *) echo "unknown argument $1; usage: docker/binder/build.sh [--tag NAME:TAG] [--base IMAGE]" >&2; exit 2 ;;
  esac
done
docker image inspect "$base" >/dev/null 2>&1 \
  || { echo "the base image $base is not in the Docker daemon; run scripts/provision.sh base, or give --base" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/binder-image.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/context"
dotnet publish "$root/src/Binder.Cli/Binder.Cli.csproj" -c Release -r linux-x64 --self-contained \
  -o "$work/context/app" --artifacts-path "$work/artifacts" -p:DebugType=none -p:GenerateDocumentationFile=false \
  -nologo -v q -clp:NoSummary
cp "$root/docker/binder/Dockerfile" "$work/context/"
docker build --network host --build-arg "BASE_IMAGE=$base" --tag "$tag" "$work/context"
echo "built $tag"
