#!/usr/bin/env bash
# Called by .ci/run: make a Docker Engine answer and the offline base images exist.
#   1. apt-get install docker.io debootstrap when missing (Debian's packages; no registry needed);
#   2. start dockerd in the background unless one answers already, wait for its socket;
#   3. build the offline stand-ins for debian/python/node/postgres/redis (.ci/build-base-images.sh;
#      images that exist are kept, so a re-run takes a second). Every python:X.Y-slim tag carries that
#      CPython (2.7, 3.6-3.13 from the machine image's /root/.pyenv; tests/test_base_images.py checks
#      it); a stand-in that tags Debian's 3.11 as every version is replaced. From scratch the nine
#      python images take about 9 minutes here (35-95 s each on a loaded 2-core machine).
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
command -v debootstrap >/dev/null 2>&1 || need+=(debootstrap)
if [ ${#need[@]} -gt 0 ]; then
  echo "docker-up: apt-get install ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

if ! docker info >/dev/null 2>&1; then
  echo "docker-up: starting dockerd" >&2
  log=${DOCKERD_LOG:-/tmp/dockerd.log}
  nohup dockerd >"$log" 2>&1 &
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && break
    sleep 1
  done
  docker info >/dev/null 2>&1 || { echo "docker-up: dockerd did not come up; last log lines:" >&2; tail -30 "$log" >&2; exit 1; }
fi
echo "docker-up: engine $(docker version --format '{{.Server.Version}}') answers" >&2

bash .ci/build-base-images.sh
